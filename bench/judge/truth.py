"""Truth: the contract's pass rule (docs/contract.md §2) applied to the noise-free walk.

Written from the contract's text, sharing nothing with tracking/ or simulator/truth.py:
- per road and on-duty inspector, a traversal's coverage is the union of the along-road
  intervals the inspector actually walked on it (a walker who reached a junction from road A
  has covered A exactly to its end; standing still or walking back over a piece adds nothing);
- a pass is counted the moment that union reaches `coverage` (80 %) of the road's length, and
  coverage starts afresh from that point (walking on or back is the next pass's coverage);
- more than `break_s` (60 s) off the road ends the traversal in progress;
- only walking inside the patrol window counts: a road entered before the opening is credited
  from the opening on, a traversal unfinished at the close counts for nothing;
- a pass whose coverage included riding faster than 25 km/h, in a ride that lasted at least a
  minute, is suspect: it is listed but never counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bench.judge.coverage import EPS, Coverage
from bench.judge.streets import StreetMap
from bench.judge.walkers import STOP, Walker


@dataclass(frozen=True)
class TruePass:
    device: str
    road: int  # index into StreetMap.roads
    ts: float
    suspect: bool


def _visible(ta: float, tb: float, blind: list[tuple[float, float]]
             ) -> list[tuple[float, float]]:
    """[ta, tb] less the blind windows."""
    out = [(ta, tb)] if tb > ta else []
    for a, b in blind:
        out = [piece for x, y in out for piece in
               ([(x, y)] if b <= x or a >= y else [(x, min(y, a)), (max(x, b), y)])
               if piece[1] > piece[0]]
    return out


def walker_passes(city: StreetMap, w: Walker, open_: float, close: float,
                  blind: list[tuple[float, float]] | None = None, coverage: float = 0.8,
                  break_s: float = 60.0, ride_min_s: float = 60.0) -> list[TruePass]:
    """The walker's passes. blind: the handset's dropouts; those longer than break_s are left
    out of the walk (the other reading of a silence, see day_passes)."""
    state: dict[int, Coverage] = defaultdict(Coverage)
    long_rides = [(a, b) for a, b in w.rides if b - a >= ride_min_s]
    gaps = [(a, b) for a, b in blind or [] if b - a > break_s]
    out: list[TruePass] = []
    for i in range(len(w.street)):
        street = city.streets[int(w.street[i])]
        if street.road < 0:
            continue
        st = street.road
        t0, t1 = float(w.t0[i]), float(w.t1[i])
        s0, s1 = street.on_road(float(w.s0[i])), street.on_road(float(w.s1[i]))
        for ta, tb in _visible(max(t0, open_), min(t1, close), gaps):

            def at(t: float, t0: float = t0, t1: float = t1, s0: float = s0, s1: float = s1
                   ) -> float:
                return s0 + (s1 - s0) * (t - t0) / (t1 - t0)

            sa, sb = at(ta), at(tb)
            trav = state[st]
            if ta - trav.last_on > break_s:
                state[st] = trav = Coverage()
            riding = any(a < tb and ta < b for a, b in long_rides)
            trav.ridden = trav.ridden or riding
            need_total = coverage * city.roads[st].length
            while int(w.mode[i]) != STOP:
                need = need_total - trav.covered()
                done, hit = 0.0, None
                for x, y in trav.new_along(sa, sb):
                    piece = abs(y - x)
                    if done + piece >= need - EPS:
                        hit = x + (need - done) * (1.0 if y >= x else -1.0)
                        break
                    done += piece
                if hit is None:
                    trav.add(sa, sb)
                    break
                ts = t0 + (t1 - t0) * (hit - s0) / (s1 - s0)
                out.append(TruePass(w.device, st, ts, trav.ridden))
                state[st] = trav = Coverage(ridden=riding)
                sa = hit
            trav.last_on = tb
    return out


def day_passes(city: StreetMap, walkers: list[Walker], open_: float, close: float,
               blind: dict[str, list[tuple[float, float]]] | None = None) -> list[TruePass]:
    """Every walker's passes. With `blind` (each handset's dropouts), the other reading of a
    silence longer than the contract's break: the contract does not say whether a device that
    fell silent for more than break_s stayed on its road, so the bench accepts a count that
    leaves such silences out of the walk as well as one that follows the walk through them."""
    out: list[TruePass] = []
    for w in walkers:
        out.extend(walker_passes(city, w, open_, close,
                                 None if blind is None else blind.get(w.device, [])))
    return out
