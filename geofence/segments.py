"""Roads cut into straight segments in the local projection, with linear referencing.

Everything the matcher needs is a flat numpy array indexed by segment: end points, owning road,
distance along the road at the segment's start, length and bearing. A MultiLineString's parts are
laid end to end in file order, so offsets run from 0 to the road's total length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geofence.projection import LocalProjection

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Segments:
    x0: F64
    y0: F64
    x1: F64
    y1: F64
    road: I32  # road index of each segment
    start: F64  # metres along the road where the segment begins
    length: F64
    bearing: F64  # degrees clockwise from grid north, [0, 360)
    road_length: F64  # per road index, sum of its segment lengths
    road_first: npt.NDArray[np.int64]  # first segment of each road (== next road's if none)

    def __len__(self) -> int:
        return len(self.x0)


def build_segments(geometries: Sequence[BaseGeometry], proj: LocalProjection) -> Segments:
    """Cut lon/lat (Multi)LineStrings into projected segments, dropping zero-length ones."""
    n_roads = len(geometries)
    geoms = np.asarray(geometries, dtype=object) if n_roads else np.empty(0, dtype=object)
    parts, part_road = shapely.get_parts(geoms, return_index=True)
    coords, coord_part = shapely.get_coordinates(parts, return_index=True)
    x, y = proj.forward(coords[:, 0], coords[:, 1])
    # A segment joins consecutive vertices of the same part.
    same = coord_part[1:] == coord_part[:-1]
    x0, y0, x1, y1 = x[:-1][same], y[:-1][same], x[1:][same], y[1:][same]
    road = part_road[coord_part[:-1][same]].astype(np.int32)
    length = np.hypot(x1 - x0, y1 - y0)
    keep = length > 0.0
    x0, y0, x1, y1, road, length = x0[keep], y0[keep], x1[keep], y1[keep], road[keep], length[keep]
    road_length = np.bincount(road, weights=length, minlength=n_roads).astype(np.float64)
    counts = np.bincount(road, minlength=n_roads)
    road_first = (np.cumsum(counts) - counts).astype(np.int64)
    # Offsets restart at 0 on each road: global running total minus the road's own starting total.
    before = np.cumsum(length) - length
    start = before - before[road_first[road]] if len(road) else before
    bearing = np.degrees(np.arctan2(x1 - x0, y1 - y0)) % 360.0
    return Segments(x0=x0, y0=y0, x1=x1, y1=y1, road=road, start=np.maximum(start, 0.0),
                    length=length, bearing=bearing, road_length=road_length,
                    road_first=road_first)
