"""GCJ-02 and BD-09 (the shifted datums of Chinese map vendors) to WGS-84, vectorised.

The formulas are those of prcoords (CC0), which stays the reference: the forward shifts are
closed form, the inverses are fixed-point iterations on the forward shift, run a fixed number of
times (each one gains several digits; four reach ~1e-9 degrees, far below a millimetre). As in
prcoords, GCJ-02 leaves points outside its China box unchanged.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

Crs = Literal["wgs84", "gcj02", "bd09"]
Arr = npt.NDArray[np.float64]

_GCJ_A = 6378245.0  # Krasovsky 1940, as GCJ-02 uses it
_GCJ_EE = 0.00669342162296594323
_BD_DLAT = 0.0060
_BD_DLON = 0.0065
_ITERATIONS = 4


def _in_china(lon: Arr, lat: Arr) -> npt.NDArray[np.bool_]:
    return (lat >= 0.8293) & (lat <= 55.8271) & (lon >= 72.004) & (lon <= 137.8347)


def _gcj_shift(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 point, without the China check."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    dlat_m = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
              + (2 * np.sin(x * 6 * pi) + 2 * np.sin(x * 2 * pi) + 2 * np.sin(y * pi)
                 + 4 * np.sin(y / 3 * pi) + 16 * np.sin(y / 12 * pi)
                 + 32 * np.sin(y / 30 * pi)) * 20 / 3)
    dlon_m = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
              + (2 * np.sin(x * 6 * pi) + 2 * np.sin(x * 2 * pi) + 2 * np.sin(x * pi)
                 + 4 * np.sin(x / 3 * pi) + 15 * np.sin(x / 12 * pi)
                 + 30 * np.sin(x / 30 * pi)) * 20 / 3)
    rad = np.radians(lat)
    magic = 1 - _GCJ_EE * np.sin(rad) ** 2
    lat_deg_m = np.radians(_GCJ_A * (1 - _GCJ_EE) / magic ** 1.5)
    lon_deg_m = np.radians(_GCJ_A * np.cos(rad) / np.sqrt(magic))
    return dlon_m / lon_deg_m, dlat_m / lat_deg_m


def _gcj_to_bd(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    r = np.hypot(lon, lat) + 0.00002 * np.sin(np.radians(lat) * 3000)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(np.radians(lon) * 3000)
    return r * np.cos(theta) + _BD_DLON, r * np.sin(theta) + _BD_DLAT


def _bd_to_gcj(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    r = np.hypot(x, y) - 0.00002 * np.sin(np.radians(y) * 3000)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(np.radians(x) * 3000)
    gl, ga = r * np.cos(theta), r * np.sin(theta)
    # The closed form above is only approximate; polish it against the exact forward.
    for _ in range(_ITERATIONS):
        fl, fa = _gcj_to_bd(gl, ga)
        gl = gl - (fl - lon)
        ga = ga - (fa - lat)
    return gl, ga


def _gcj_to_wgs(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    wl, wa = lon.copy(), lat.copy()
    for _ in range(_ITERATIONS):
        dl, da = _gcj_shift(wl, wa)
        wl = lon - dl
        wa = lat - da
    inside = _in_china(lon, lat)
    return np.where(inside, wl, lon), np.where(inside, wa, lat)


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    lo, la = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                                 np.asarray(lat, dtype=np.float64))
    return lo, la


def to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: Crs | str) -> tuple[Arr, Arr]:
    """Convert lon/lat arrays given in ``crs`` to WGS-84 (new arrays; inputs untouched)."""
    lo, la = _arrays(lon, lat)
    if crs == "wgs84":
        return lo.copy(), la.copy()
    if crs == "gcj02":
        return _gcj_to_wgs(lo, la)
    if crs == "bd09":
        return _gcj_to_wgs(*_bd_to_gcj(lo, la))
    raise ValueError(f"unknown crs {crs!r} (expected wgs84, gcj02 or bd09)")


def from_wgs84(lon: ArrayLike, lat: ArrayLike, crs: Crs | str) -> tuple[Arr, Arr]:
    """The forward shift: WGS-84 lon/lat arrays to ``crs`` (what a Chinese map app shows)."""
    lo, la = _arrays(lon, lat)
    if crs == "wgs84":
        return lo.copy(), la.copy()
    if crs not in ("gcj02", "bd09"):
        raise ValueError(f"unknown crs {crs!r} (expected wgs84, gcj02 or bd09)")
    dl, da = _gcj_shift(lo, la)
    inside = _in_china(lo, la)
    gl = np.where(inside, lo + dl, lo)
    ga = np.where(inside, la + da, la)
    if crs == "gcj02":
        return gl, ga
    return _gcj_to_bd(gl, ga)


def point_to_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]:
    """Scalar convenience for one point (e.g. a fix a gateway receives in GCJ-02)."""
    lo, la = to_wgs84(lon, lat, crs)
    return float(lo), float(la)
