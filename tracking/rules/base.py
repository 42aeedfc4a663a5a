"""What a per-device alert rule sees and the one signature every such rule has.

A rule is a small object with no state of its own: the per-device state lives in a slot the
engine keeps for it (new_state), so 100,000 devices cost 100,000 small slots, nothing more.
Time comes in as data (fix.ts, or `now` from the injected clock on a tick), never from the wall.

How the engine drives a rule (and what a rule may rely on):

- on_fix gets each device's fixes in time order (after the reorder window); a rule still
  tolerates a stray older fix without raising an exception.
- on_tick is called periodically for every known device, including assigned inspectors never
  seen today, with `now` from the clock and whether `now` is inside the patrol window. Ticks
  should come every few seconds of clock time; a rule stamps its alerts with data time, so the
  tick cadence does not change what is raised.
- A state slot may be None: rules allocate lazily and hand back None when there is nothing to
  remember (off duty, not concerned), which keeps idle and off-duty devices nearly free. The
  engine stores whatever on_fix / on_tick return, and new_state() is the slot of a new device.
- export_state / import_state turn a slot into the rule's msgspec Struct (tagged with the
  rule's type, listed in tracking/rules/registry.py RuleData) and back, for the typed tracker
  state (tracking/export/): a slot crosses processes as data, never as a pickled object.
- Alerts go through the AlertBook with subject {"device": id} and grid=device.grid_id; `ts` is
  the data time at which the condition was met, so a replayed day raises identical alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from tracking.alerts import AlertBook


class Fix(msgspec.Struct, gc=False):
    """One fix of one device, in device time order, after matching (a Struct: one is built for
    every fix, and that is cheaper than a dataclass; gc=False: it holds no containers)."""

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
        """A fresh per-device slot (keep it small: __slots__ or a tuple; None is fine)."""

    def export_state(self, state: Any) -> Any:
        """The slot as plain data: a tagged msgspec Struct, a float or None."""

    def import_state(self, data: Any) -> Any:
        """A slot from export_state's data; TypeError for data of another rule."""

    def on_fix(self, state: Any, device: DeviceInfo, fix: Fix, book: AlertBook) -> Any:
        """Advance with one fix; return the (possibly new) state slot."""

    def on_tick(self, state: Any, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> Any:
        """Time passed without fixes (now from the clock); return the state slot."""
