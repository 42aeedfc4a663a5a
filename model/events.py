"""Events that tracking and video emit and /ws/live pushes (docs/contract.md §4, /ws/live).

to_json() is each event's JSON for live clients; bus/wire.py writes it (and every form that
crosses Redis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from model.alert import Alert
from model.position import Position


class PositionEvent(msgspec.Struct, gc=False):
    """One is built for every position: a Struct (not frozen, like Position) is the cheapest to
    build, and gc=False keeps the cycle collector off them."""

    TYPE: ClassVar[str] = "position"

    position: Position
    grid: str | None = None
    road: str | None = None
    state: str = "active"  # device state shown on the map

    def to_json(self) -> dict[str, Any]:
        # Built in one go: this runs for every position pushed to /ws/live.
        p = self.position
        out: dict[str, Any] = {"type": "position", "device": p.device, "ts": p.ts,
                               "lat": p.lat, "lon": p.lon, "state": self.state}
        if p.acc is not None:
            out["acc"] = p.acc
        if p.speed is not None:
            out["speed"] = p.speed
        if p.heading is not None:
            out["heading"] = p.heading
        if p.attrs:
            out.update(p.attrs)
        if self.grid is not None:
            out["grid"] = self.grid
        if self.road is not None:
            out["road"] = self.road
        return out


@dataclass(frozen=True, slots=True)
class RoadEvent:
    """A road's progress changed (a pass completed, or its status moved)."""

    TYPE: ClassVar[str] = "road"

    road: str
    date: str  # YYYY-MM-DD in the city's zone
    passes: int
    required: int
    status: str  # ok | behind | missed | pending
    last_pass_ts: float | None
    grid: str | None = None
    device: str | None = None  # who completed the pass, when a pass caused this event

    def to_json(self) -> dict[str, Any]:
        return {"type": "road", "road": self.road, "date": self.date, "passes": self.passes,
                "required": self.required, "status": self.status,
                "last_pass_ts": self.last_pass_ts, "grid": self.grid, "device": self.device}


@dataclass(slots=True)  # not frozen: cheaper to build (never hashable anyway: Alert is not)
class AlertEvent:
    TYPE: ClassVar[str] = "alert"

    alert: Alert
    grid: str | None = None

    def to_json(self) -> dict[str, Any]:
        # The event's "type" is "alert"; the alert's own type travels as "alert_type".
        out = self.alert.to_json()
        out["alert_type"] = out.pop("type")
        return {"type": "alert", **out, "grid": self.grid}


@dataclass(slots=True)  # not frozen, like AlertEvent
class ClearedEvent:
    TYPE: ClassVar[str] = "cleared"

    alert: Alert
    grid: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"type": "cleared", "id": self.alert.id, "alert_type": self.alert.type,
                "ts": self.alert.cleared_ts, "subject": self.alert.subject, "grid": self.grid}


@dataclass(frozen=True, slots=True)
class CameraEvent:
    TYPE: ClassVar[str] = "camera_event"

    camera: str
    kind: str  # motion | vehicle | spill
    ts: float
    details: dict[str, Any] = field(default_factory=dict)
    grid: str | None = None  # the grid of the camera's road, for subscriptions by grid

    def to_json(self) -> dict[str, Any]:
        return {"type": "camera_event", "camera": self.camera, "kind": self.kind, "ts": self.ts,
                **self.details}


Event = PositionEvent | RoadEvent | AlertEvent | ClearedEvent | CameraEvent
