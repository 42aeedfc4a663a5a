"""A batch's candidate roads per fix (CityIndex.match), as flat lists for the per-fix loop of the
map matcher (tracking/matcher.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geofence.model import Matches


@dataclass(slots=True)
class Candidates:
    """Matches as flat Python lists of the candidates there are, converted once per batch
    (numpy scalars are slow one by one, and nested lists cost a list per fix): fix i's
    candidates are entries start[i] to start[i + 1] - 1, nearest first."""

    start: list[int]  # len(fixes) + 1 entries
    road: list[int]
    dist: list[float]
    offset: list[float]
    # Per candidate: the heading term of its emission cost (tracking/stages.py turn_costs;
    # 0 where the fix reports no usable heading).
    turn: list[float]
    x: list[float]  # per fix
    y: list[float]

    @classmethod
    def of(cls, m: Matches, turn: npt.NDArray[np.float64] | None = None) -> Candidates:
        """turn: (N, K) heading costs, None when no fix of the batch reports a heading."""
        valid = m.road >= 0  # each row's candidates fill its columns from the left
        start = np.zeros(len(valid) + 1, dtype=np.int64)
        np.cumsum(np.count_nonzero(valid, axis=1), out=start[1:])
        starts = start.tolist()
        return cls(starts, m.road[valid].tolist(), m.dist[valid].tolist(),
                   m.offset[valid].tolist(),
                   [0.0] * starts[-1] if turn is None else turn[valid].tolist(),
                   m.x.tolist(), m.y.tolist())

    def __len__(self) -> int:
        return len(self.start) - 1
