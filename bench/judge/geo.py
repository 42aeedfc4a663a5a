"""Metres <-> WGS-84 degrees around a city centre, and polyline arithmetic in metres.

A local equirectangular plane on the WGS-84 ellipsoid (meridional and prime-vertical radii at
the centre): within 3 km of the centre lengths are right to about 5e-4, far below anything the
bench grades (its partial walks stop 5 % short of the pass threshold). Written here, not taken
from geofence/, so that the judge shares no code with the system under test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_A = 6378137.0  # WGS-84 semi-major axis (m)
_E2 = 6.69437999014e-3  # first eccentricity squared


@dataclass(frozen=True)
class Plane:
    lon0: float
    lat0: float

    @property
    def _scale(self) -> tuple[float, float]:
        phi = math.radians(self.lat0)
        w = 1.0 - _E2 * math.sin(phi) ** 2
        n = _A / math.sqrt(w)  # prime vertical radius
        m = _A * (1.0 - _E2) / w ** 1.5  # meridional radius
        return math.radians(1.0) * n * math.cos(phi), math.radians(1.0) * m

    def to_xy(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        kx, ky = self._scale
        return np.column_stack(((np.asarray(lon) - self.lon0) * kx,
                                (np.asarray(lat) - self.lat0) * ky))

    def to_lonlat(self, xy: FloatArray) -> tuple[FloatArray, FloatArray]:
        kx, ky = self._scale
        return xy[:, 0] / kx + self.lon0, xy[:, 1] / ky + self.lat0


def cumulative(xy: FloatArray) -> FloatArray:
    """Distance along the polyline at each vertex, starting at 0."""
    steps = np.hypot(*np.diff(xy, axis=0).T)
    return np.concatenate(([0.0], np.cumsum(steps)))


def point_at(xy: FloatArray, cum: FloatArray, s: FloatArray) -> FloatArray:
    """Points at distances s along the polyline (clipped to its ends)."""
    s = np.clip(s, 0.0, cum[-1])
    return np.column_stack((np.interp(s, cum, xy[:, 0]), np.interp(s, cum, xy[:, 1])))


def direction_at(xy: FloatArray, cum: FloatArray, s: FloatArray) -> FloatArray:
    """Unit tangent vectors (towards the polyline's end) at distances s."""
    seg = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(cum) - 2)
    d = xy[seg + 1] - xy[seg]
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0.0] = 1.0
    return np.asarray(d / norm[:, None], dtype=np.float64)


def heading_deg(dx: FloatArray, dy: FloatArray) -> FloatArray:
    """Compass heading (degrees clockwise from north, [0, 360)) of a motion (dx east, dy north)."""
    return np.asarray(np.degrees(np.arctan2(dx, dy)) % 360.0, dtype=np.float64)
