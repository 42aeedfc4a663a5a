"""Positions from devices in GCJ-02 or BD-09 (city.toml input_crs) are turned into WGS-84 once,
at the gateway, so everything behind it works in one datum."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from msgspec.structs import replace

from geofence.crs import to_wgs84
from model.position import Position


def position_converter(crs: str) -> Callable[[list[Position]], list[Position]]:
    if crs == "wgs84":
        return lambda positions: positions

    def convert(positions: list[Position]) -> list[Position]:
        lon = np.fromiter((p.lon for p in positions), float, len(positions))
        lat = np.fromiter((p.lat for p in positions), float, len(positions))
        wlon, wlat = to_wgs84(lon, lat, crs)
        return [replace(p, lon=float(x), lat=float(y))
                for p, x, y in zip(positions, wlon, wlat, strict=True)]

    return convert
