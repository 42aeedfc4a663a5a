"""A position fix as every gateway hands it to tracking, already validated and in WGS-84."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Position:
    """Treated as immutable everywhere. Not `frozen`: a frozen dataclass costs 1.3 µs to build
    against 0.3 µs, and one is built for every position the server takes."""

    device: str
    ts: float  # epoch seconds, from the device
    lat: float  # WGS-84 degrees
    lon: float
    acc: float | None = None  # metres
    speed: float | None = None  # m/s
    heading: float | None = None  # degrees clockwise from north, [0, 360)
    # Protocol extras shown in /api/v1/devices (e.g. JT/T 808 "terminal", "alarm", "status").
    attrs: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"device": self.device, "ts": self.ts, "lat": self.lat,
                               "lon": self.lon}
        if self.acc is not None:
            out["acc"] = self.acc
        if self.speed is not None:
            out["speed"] = self.speed
        if self.heading is not None:
            out["heading"] = self.heading
        if self.attrs:
            out.update(self.attrs)
        return out
