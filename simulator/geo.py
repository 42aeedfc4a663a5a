"""A local metric frame for one town: lon/lat degrees <-> metres east/north of a centre.

An equirectangular projection is exact to about 1e-4 over a 10 km town, far below GPS noise,
and it is trivially invertible, which the simulator needs to turn metric tracks back into fixes.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8

FloatArray = npt.NDArray[np.float64]


class LocalProjection:
    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self.ky = EARTH_RADIUS_M * math.pi / 180.0  # metres per degree of latitude
        self.kx = self.ky * math.cos(math.radians(lat0))

    @classmethod
    def around(cls, geom: BaseGeometry) -> LocalProjection:
        """A frame centred on the middle of a geometry's bounding box."""
        minx, miny, maxx, maxy = geom.bounds
        return cls((minx + maxx) / 2.0, (miny + maxy) / 2.0)

    def to_xy(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def to_lonlat(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return self.lon0 + x / self.kx, self.lat0 + y / self.ky

    def _fwd(self, pts: FloatArray) -> FloatArray:
        x, y = self.to_xy(pts[:, 0], pts[:, 1])
        return np.column_stack([x, y])

    def _inv(self, pts: FloatArray) -> FloatArray:
        lon, lat = self.to_lonlat(pts[:, 0], pts[:, 1])
        return np.column_stack([lon, lat])

    def geom_to_xy(self, geom: BaseGeometry) -> BaseGeometry:
        out: BaseGeometry = shapely.transform(geom, self._fwd)
        return out

    def geom_to_lonlat(self, geom: BaseGeometry, decimals: int | None = None) -> BaseGeometry:
        if decimals is None:
            out: BaseGeometry = shapely.transform(geom, self._inv)
            return out

        def inv_round(pts: FloatArray) -> FloatArray:
            return np.round(self._inv(pts), decimals)

        rounded: BaseGeometry = shapely.transform(geom, inv_round)
        return rounded
