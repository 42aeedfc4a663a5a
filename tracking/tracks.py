"""A device's track for one local day, stored compactly (three doubles a fix, one array).

Fixes are appended in time order as the reorder window releases them; a late fix (too old to be
counted) is inserted where it belongs, so the day's track is always in time order for display.
"""

from __future__ import annotations

import logging
from array import array
from typing import Any

log = logging.getLogger(__name__)


class TrackLog:
    __slots__ = ("data", "edits")

    def __init__(self) -> None:
        self.data = array("d")  # ts, lon, lat, ts, lon, lat, ...
        self.edits = 0  # inserts before the end (tracking/checkpoint.py rolls back by them)

    def __len__(self) -> int:
        return len(self.data) // 3

    def append(self, ts: float, lon: float, lat: float) -> None:
        data = self.data
        if data and ts < data[-3]:
            self.insert(ts, lon, lat)
            return
        data.append(ts)
        data.append(lon)
        data.append(lat)

    def _index(self, ts: float) -> int:
        """First fix index whose time is >= ts (binary search over the strided times)."""
        data = self.data
        lo, hi = 0, len(data) // 3
        while lo < hi:
            mid = (lo + hi) // 2
            if data[3 * mid] < ts:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def has(self, ts: float) -> bool:
        i = self._index(ts)
        return 3 * i < len(self.data) and self.data[3 * i] == ts

    def insert(self, ts: float, lon: float, lat: float) -> None:
        self.edits += 1
        i = 3 * self._index(ts)
        self.data[i:i] = array("d", (ts, lon, lat))

    def feature(self, device: str, date: str) -> dict[str, Any]:
        """GeoJSON Feature: a LineString (a Point for one fix, null for none), times alongside."""
        data = self.data
        times = data[0::3].tolist()
        coords = [[lon, lat] for lon, lat in zip(data[1::3], data[2::3], strict=True)]
        geometry: dict[str, Any] | None
        if len(coords) >= 2:
            geometry = {"type": "LineString", "coordinates": coords}
        elif coords:
            geometry = {"type": "Point", "coordinates": coords[0]}
        else:
            geometry = None
        return {"type": "Feature", "geometry": geometry,
                "properties": {"device": device, "date": date, "times": times,
                               "count": len(times)}}
