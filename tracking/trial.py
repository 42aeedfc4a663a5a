"""Does this position make tracking raise? One device at a time, on a scratch tracker.

A fix that makes a stage raise may be held in its device's reorder window for seconds before
it is counted, and then fails a later batch that merely released it. So a position is tried
the way it will end: taken in after the device's earlier positions, then every held fix
released and counted (a flush). The scratch tracker has the city, config and rules of the real
one, its own registry and clock, no road rules (they need every device), and one device's
state at a time (tracking/export/device.py), so a trial costs tens of microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from model.clock import DataClock
from tracking.devices import DeviceRegistry
from tracking.engine import StageFailed, Tracker
from tracking.export.alerts import AlertData, export_alert, import_alert
from tracking.export.device import (
    DayStatsData,
    DeviceData,
    PositionData,
    export_device,
    export_stats,
    import_device,
    import_position,
    import_stats,
)

if TYPE_CHECKING:
    from model.position import Position
    from tracking.export.tracker import TrackerData


@dataclass(slots=True)
class DeviceSave:
    device: DeviceData | None
    stats: dict[str, DayStatsData]
    open: list[AlertData]


class Trial:
    def __init__(self, real: Tracker) -> None:
        index, patrol, alerts, _registry, clock, rules = real.parts
        self.real_registry = real.registry
        self.registry = DeviceRegistry([])
        own = DataClock(clock.now()) if isinstance(clock, DataClock) else clock
        self.tracker = Tracker(index, patrol, alerts, self.registry, own, rules=rules,
                               keep_days=real.keep_days, road_rules=False)
        self.device = ""

    def start(self, device: str, state: TrackerData) -> list[tuple[Position, StageFailed]]:
        """Take `device` as it was in `state` (a checkpoint; unknown then if absent). Fixes it
        held then that cannot be counted are taken out of `state` and returned: a poison fix
        can sit in a reorder window across a checkpoint."""
        ctx = self.tracker.ctx
        ctx.slots.clear()
        ctx.stats.clear()
        ctx.book.open.clear()
        ctx.started = state.started
        self.device = device
        at = next((i for i, d in enumerate(state.devices) if d.id == device), None)
        data = None if at is None else state.devices[at]
        info = self.real_registry.lookup(device)
        if info is not None:
            self.registry.adopt(info)
        start = DeviceSave(data, {date: day[device] for date, day in state.stats.items()
                                  if device in day},
                           [a for a in state.open if a.subject.get("device") == device])
        self.load(start)
        if data is None or not data.held or self._flushes() is None:
            return []
        # Something held then fails: try the held fixes one at a time, in time order.
        kept: list[PositionData] = []
        found: list[tuple[Position, StageFailed]] = []
        for held in data.held:
            start.device = msgspec.structs.replace(data, held=[*kept, held])
            self.load(start)
            fault = self._flushes()
            if fault is None:
                kept.append(held)
            else:
                found.append((import_position(held), fault))
        assert at is not None
        state.devices[at] = start.device = msgspec.structs.replace(data, held=kept or None)
        self.load(start)
        return found

    def _flushes(self) -> StageFailed | None:
        """Whether everything held now can be counted; the device is left as it was."""
        before = self.save()
        try:
            self.tracker.flush()
        except StageFailed as exc:
            return exc
        except Exception as exc:
            return StageFailed("Tracker", exc)
        finally:
            self.load(before)
        return None

    def save(self) -> DeviceSave:
        ctx, dev = self.tracker.ctx, self.device
        slot = ctx.slots.get(dev)
        return DeviceSave(None if slot is None else export_device(slot, ctx),
                          {date: export_stats(day[dev]) for date, day in ctx.stats.items()
                           if dev in day},
                          [export_alert(a) for a in ctx.book.open.values()
                           if a.subject.get("device") == dev])

    def load(self, save: DeviceSave) -> None:
        ctx, dev = self.tracker.ctx, self.device
        ctx.slots.pop(dev, None)
        for day in ctx.stats.values():
            day.pop(dev, None)
        for date, ds in save.stats.items():
            ctx.stats.setdefault(date, {})[dev] = import_stats(ds)
        for key in [k for k in ctx.book.open if k[1] == "device" and k[2] == dev]:
            del ctx.book.open[key]
        for data in save.open:
            alert = import_alert(data)
            ctx.book.open[(alert.type, "device", dev)] = alert
        if save.device is not None:
            import_device(save.device, ctx)
        # What the scratch produced on the way is of no use: keep it from growing.
        ctx.tracks.clear()
        ctx.ledger.days.clear()
        ctx.book.history.clear()
        ctx.book.events.clear()
        self.tracker.take_outputs()

    def poison(self, positions: list[Position]) -> list[tuple[Position, StageFailed]]:
        """The positions of the device (in arrival order, after start()) that cannot be
        counted: each is the last of the shortest prefix of what remains that fails (a binary
        search: a few batches, not one per position); the device goes on without it."""
        found: list[tuple[Position, StageFailed]] = []
        base = self.save()
        rest = positions
        while rest and self._fails(base, rest) is not None:
            lo, hi = 1, len(rest)  # the whole of `rest` fails
            while lo < hi:
                mid = (lo + hi) // 2
                if self._fails(base, rest[:mid]) is not None:
                    hi = mid
                else:
                    lo = mid + 1
            fault = self._fails(base, rest[:hi])
            if fault is None:  # not reproducible by itself: blame nothing here
                break
            found.append((rest[hi - 1], fault))
            self.load(base)
            if hi > 1:
                self.tracker.ingest(rest[:hi - 1])
            base = self.save()
            rest = rest[hi:]
        return found

    def _fails(self, base: DeviceSave, positions: list[Position]) -> StageFailed | None:
        """From `base`, whether these positions fail when taken and counted (a flush)."""
        self.load(base)
        try:
            self.tracker.ingest(positions)
            self.tracker.flush()
        except StageFailed as exc:
            return exc
        except Exception as exc:  # outside the stages: still these positions' doing
            return StageFailed("Tracker", exc)
        return None
