"""Which road a fix belongs to, when several are near (junctions, parallel roads).

Nearest-road-per-fix alternates between two parallel roads 15 m apart under 8 m GPS noise (about
one fix in six lands nearer the wrong one). So the device keeps its current road while that road
stays within the tolerance, and switches only on sustained evidence: a CUSUM of the other road's
distance advantage (metres, summed over consecutive fixes, floored at 0) must exceed `switch_m`.
On the right road the advantage averages about -9 m a fix, so a false switch needs a long unlucky
run; on the wrong road it averages +9 m, so the switch comes within a handful of fixes, and the
new road is credited back to where the evidence began. A heading, when the device reports one
and is moving, adds a penalty to roads running across it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from geofence.model import Matches

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Candidates:
    """Matches as flat Python lists of the candidates there are, converted once per batch
    (numpy scalars are slow one by one, and nested lists cost a list per fix): fix i's
    candidates are entries start[i] to start[i + 1] - 1, nearest first."""

    start: list[int]  # len(fixes) + 1 entries
    road: list[int]
    dist: list[float]
    offset: list[float]
    bearing: list[float] | None  # only converted when some fix has a heading
    x: list[float]  # per fix
    y: list[float]

    @classmethod
    def of(cls, m: Matches, bearing: bool = True) -> Candidates:
        valid = m.road >= 0  # each row's candidates fill its columns from the left
        start = np.zeros(len(valid) + 1, dtype=np.int64)
        np.cumsum(np.count_nonzero(valid, axis=1), out=start[1:])
        return cls(start.tolist(), m.road[valid].tolist(), m.dist[valid].tolist(),
                   m.offset[valid].tolist(), m.bearing[valid].tolist() if bearing else None,
                   m.x.tolist(), m.y.tolist())

    def __len__(self) -> int:
        return len(self.start) - 1


class ChoiceState:
    """The device's current road and the challenger's accumulated evidence."""

    __slots__ = ("bf_off", "bf_ts", "chal", "chal_off", "chal_ts", "road", "score", "seen")

    def __init__(self) -> None:
        self.road = -1
        self.seen = 0.0  # last time the current road was within reach
        self.chal = -1
        self.score = 0.0
        self.chal_ts = 0.0  # where the challenger's current run of evidence began
        self.chal_off = 0.0
        self.bf_ts = -1.0  # set by a switch on evidence: credit the new road from here
        self.bf_off = 0.0


class RoadChooser:
    def __init__(self, tolerance: float, switch_m: float = 60.0, heading_m: float = 10.0,
                 min_heading_speed: float = 0.5, forget_s: float = 60.0) -> None:
        self.tolerance = tolerance
        # A current road out of reach counts as this far away: one stray fix is not enough to
        # leave it, two or three in a row are (the turn at a junction).
        self.missing_m = 1.5 * tolerance
        self.forget_s = forget_s
        self.switch_m = switch_m
        self.heading_m = heading_m
        self.min_heading_speed = min_heading_speed

    def choose(self, st: ChoiceState, ts: float, roads: list[int], dists: list[float],
               offs: list[float], bears: list[float], heading: float | None,
               speed: float | None, lo: int = 0, hi: int | None = None) -> int:
        """Index into the candidate lists of the chosen road, -1 for none; updates `st`.
        The fix's candidates are entries lo to hi - 1 (by default all, up to a road -1).

        CountPasses answers the usual case itself (one candidate, the current road, within the
        tolerance: keep it, `st.seen = ts`, no challenger score, no backfill), exactly as
        this method would."""
        st.bf_ts = -1.0
        tol = self.tolerance
        cur = st.road
        use_heading = heading is not None and (speed is None or speed >= self.min_heading_speed)
        cur_j = best_j = -1
        cur_d = best_d = tol
        for j in range(lo, len(roads) if hi is None else hi):
            r = roads[j]
            if r < 0:
                break
            d = dists[j]
            if d > tol:
                continue
            if use_heading:
                # Axial difference in [0, 90]: walking either way along a road fits it.
                diff = abs((heading - bears[j] + 90.0) % 180.0 - 90.0)  # type: ignore[operator]
                d += self.heading_m * diff / 90.0
            if r == cur:
                cur_j, cur_d = j, d
            elif best_j < 0 or d < best_d or (d == best_d and r < roads[best_j]):
                # Equal distances (two roads ending at one junction) are ordered by road index,
                # not by the matcher's order, which depends on the rest of the batch.
                best_j, best_d = j, d
        if cur_j >= 0:
            st.seen = ts
        elif cur < 0 or ts - st.seen > self.forget_s:
            # No current road (or long gone): take the best candidate at once.
            st.road = roads[best_j] if best_j >= 0 else -1
            st.seen = ts
            st.chal = -1
            st.score = 0.0
            return best_j
        else:
            cur_d = self.missing_m
        if best_j < 0:
            st.score = 0.0
            return cur_j
        other = roads[best_j]
        if other != st.chal:
            st.chal = other
            st.score = 0.0
        adv = cur_d - best_d
        score = st.score + adv
        if score <= 0.0:
            st.score = 0.0
            return cur_j
        if st.score == 0.0:
            st.chal_ts = ts
            st.chal_off = offs[best_j]
        if score < self.switch_m:
            st.score = score
            return cur_j  # -1 when the current road is out of reach for this fix
        st.road = other
        st.seen = ts
        st.chal = -1
        st.score = 0.0
        st.bf_ts = st.chal_ts
        st.bf_off = st.chal_off
        return best_j
