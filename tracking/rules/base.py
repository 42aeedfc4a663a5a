"""What a per-device alert rule sees and the one signature every such rule has.

A rule is a small object with no state of its own: the per-device state lives in a slot the
engine keeps for it (new_state), so 100,000 devices cost 100,000 small slots, nothing more.
Time comes in as data (fix.ts, or `now` from the injected clock on a tick), never from the wall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tracking.alerts import AlertBook


@dataclass(slots=True)
class Fix:
    """One fix of one device, in device time order, after matching."""

    ts: float
    lat: float
    lon: float
    x: float  # local metric coordinates (metres), see geofence
    y: float
    speed: float | None  # m/s as the device reported it, if it did
    grid: int  # index into CityIndex.grids of the grid containing the fix, -1 for none
    road: int  # index into CityIndex.roads of the road it was matched to, -1 for none
    on_duty: bool  # inside the patrol window of its local day


@dataclass(slots=True)
class DeviceInfo:
    id: str
    kind: str  # "inspector" or "vehicle"
    grids: tuple[int, ...]  # grids the device is assigned to (indexes), may be empty
    grid_id: str | None  # first assigned grid's id, for alert fan-out by grid


class DeviceRule(Protocol):
    type: str  # the alert type it raises

    def new_state(self) -> Any:
        """A fresh per-device slot (keep it small: __slots__ or a tuple)."""

    def on_fix(self, state: Any, device: DeviceInfo, fix: Fix, book: AlertBook) -> Any:
        """Advance with one fix; return the (possibly new) state slot."""

    def on_tick(self, state: Any, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> Any:
        """Time passed without fixes (now from the clock); return the state slot."""
