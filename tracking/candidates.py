"""A batch's candidate roads per fix (CityIndex.match), as flat lists for the per-fix loop of the
map matcher (tracking/matcher.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
