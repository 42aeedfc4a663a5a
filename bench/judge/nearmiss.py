"""Keeps a walker clear of accidental near misses: its coverage of each road, counted as
truth.py counts it, so that a walk which would leave a traversal 70-80 % covered, or reach 80 %
within the last 10 % of the road's length, or come back to a road 45-75 s after leaving it
(either side of the contract's 60 s break), is not chosen by chance. Such walks land within a
few metres or seconds of a threshold, where no counter can be asked to decide under GPS error;
the bench's deliberate near misses are its partial walks (30-70 % and 75 %, walkers.py).
"""

from __future__ import annotations

from collections import defaultdict

from bench.judge.coverage import EPS, Coverage
from bench.judge.streets import StreetMap

COVERAGE, BREAK_S = 0.8, 60.0
MISS, MARGIN = 0.7, 0.1  # shares of the road's length
AMBIGUOUS_GAP = (45.0, 75.0)


class NearMissGuard:
    def __init__(self, city: StreetMap) -> None:
        self.city = city
        self.state: dict[int, Coverage] = defaultdict(Coverage)

    def _outcome(self, road: int, a: float, b: float, t: float
                 ) -> tuple[bool, Coverage]:
        """(clear of every threshold, the traversal after walking a -> b from time t)."""
        length = self.city.roads[road].length
        old = self.state[road]
        gap = t - old.last_on
        clear = not AMBIGUOUS_GAP[0] <= gap <= AMBIGUOUS_GAP[1]
        trav = Coverage(list(old.iv)) if gap <= BREAK_S else Coverage()
        need = COVERAGE * length - trav.covered()
        done, hit = 0.0, None
        for x, y in trav.new_along(a, b):
            piece = abs(y - x)
            if done + piece >= need - EPS:
                hit = x + (need - done) * (1.0 if y >= x else -1.0)
                break
            done += piece
        if hit is None:
            trav.add(a, b)
            clear = clear and trav.covered() < MISS * length
        else:
            clear = clear and abs(b - hit) >= MARGIN * length
            trav = Coverage()
            trav.add(hit, b)
        return clear, trav

    def clear(self, road: int, a: float, b: float, t: float) -> bool:
        return road < 0 or self._outcome(road, a, b, t)[0]

    def walked(self, road: int, a: float, b: float, t0: float, t1: float) -> None:
        if road >= 0:
            trav = self._outcome(road, a, b, t0)[1]
            trav.last_on = t1
            self.state[road] = trav
