"""Canonical candidates: the same fix gets the same offsets and bearings in any batch.

Where a fix's nearest point on a road is a vertex (outside a bend, at a joint), two segments of
the road are equally near. CityIndex.match then reports either one, as its sort happens to order
them in that batch, and the two differ in bearing by the bend's angle and in offset by rounding.
Road choice weighs bearings against the device's heading, so a result that depends on the rest
of the batch would make pass counts depend on batch boundaries. Here offsets are rounded to the
micrometre and every bearing is read from the segment that *starts* at or before the offset,
from the index's own segment arrays (geofence.segments.build_segments on the same inputs).
"""

from __future__ import annotations

import logging

import numpy as np

from geofence.index import CityIndex
from geofence.model import Matches
from geofence.projection import LocalProjection
from geofence.segments import build_segments

log = logging.getLogger(__name__)

_UM = 1e6  # offsets are compared in whole micrometres
_ROAD = np.int64(1) << np.int64(42)  # key space per road: 4.4e12 um, 4,400 km


class RoadBearings:
    def __init__(self, index: CityIndex) -> None:
        roads = [r.geometry for r in index.roads]
        grids = [g.geometry for g in index.grids]
        seg = build_segments(roads, LocalProjection.around(roads + grids))
        self.bearing = seg.bearing
        self.keys = seg.road.astype(np.int64) * _ROAD + np.round(seg.start * _UM).astype(np.int64)

    def canonical(self, m: Matches) -> Matches:
        """`m` with offsets rounded to the micrometre and bearings of the canonical segment."""
        road, off = m.road, m.offset
        valid = road >= 0
        q = np.round(np.where(valid, off, 0.0) * _UM)
        offset = np.where(valid, q / _UM, np.nan)
        bearing = np.full(road.shape, np.nan)
        if len(self.keys) and valid.any():
            keys = road[valid].astype(np.int64) * _ROAD + q[valid].astype(np.int64)
            seg = np.searchsorted(self.keys, keys, side="right") - 1
            bearing[valid] = self.bearing[np.clip(seg, 0, len(self.keys) - 1)]
        return Matches(road=road, dist=m.dist, offset=offset, bearing=bearing, x=m.x, y=m.y)

