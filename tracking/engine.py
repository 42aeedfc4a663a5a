"""The Tracker: positions in, live events out, and the queries the web API answers.

Every entry point runs the same ordered pipeline (PIPELINE below, the one place it is listed):

    Admit        known devices only, retransmissions dropped, late fixes kept for display
    Release      per-device reorder window: fixes let out in time order
    Match        one vectorised CityIndex.match + grid_of for all released fixes of the batch
    CountPasses  sequence map matching (tracking/matcher.py), passes, daily figures, tracks
    DeviceRules  signal_lost, idle, off_grid, too_fast (tracking/rules/registry.py)
    RoadProgress coverage_behind, road_unvisited, road_missed; RoadEvents

Alerts are stamped with data time and depend only on each device's fixes, never on batch sizes
or tick cadence (tracking/alertstages.py): rules that need time to pass without fixes
(signal_lost, the road rules) advance on ticks, to the tick's time less the reorder window, when
every fix before it has been released. Ticks should come every few seconds of clock time.

Unknown devices: pass a list as `rejected` to ingest() and it receives (index, reason) pairs,
e.g. (3, "unknown device"), which the gateway turns into {"index": 3, "error": "unknown device"}.
With a DataClock the tracker advances the clock itself with every fix it admits.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from model.clock import DAY_S
from tracking.alertstages import DeviceRules, RoadProgress
from tracking.outputs import OutputLog, Outputs
from tracking.reorder import held_count
from tracking.report import daily_report
from tracking.stages import Admit, Batch, CountPasses, Match, Release
from tracking.state import Context
from tracking.tracks import TrackLog

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from config.patrol import AlertConfig, PatrolConfig
    from geofence.index import CityIndex
    from model.alert import Alert
    from model.clock import Clock
    from model.events import Event
    from model.position import Position
    from tracking.devices import DeviceRegistry
    from tracking.rules.base import DeviceRule

log = logging.getLogger(__name__)

# A backlog of held fixes (old data replayed fast) is released this much data time per tick
# step, so that one tick never holds a caller's event loop long (see backlog_step).
BACKLOG_STEP_S = 0.5

class StageFailed(Exception):
    """A stage raised: which one, and what. The tracker's state is then half-way through the
    batch; bus/guard.py rolls it back and narrows the batch down to the positions at fault."""

    def __init__(self, stage: str, error: Exception) -> None:
        super().__init__(f"{stage}: {type(error).__name__}: {error}")
        self.stage, self.error = stage, error
        self.device = _device_at(error)


def _device_at(error: BaseException) -> str | None:
    """The device a stage was working on when it raised (the innermost `slot` in the
    traceback), to try first when narrowing the failure down; only a hint."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        slot = tb.tb_frame.f_locals.get("slot")
        info = getattr(slot, "info", None)
        if isinstance(getattr(info, "id", None), str):
            found = info.id  # type: ignore[union-attr]
        tb = tb.tb_next
    return found


PIPELINE: tuple[Callable[[Context], Callable[[Batch], None]], ...] = (
    Admit, Release, Match, CountPasses, DeviceRules, RoadProgress,
)


class Tracker:
    def __init__(self, index: CityIndex, patrol: PatrolConfig, alerts: AlertConfig,
                 devices: DeviceRegistry, clock: Clock, *,
                 rules: Sequence[DeviceRule] | None = None, keep_days: int = 7,
                 road_rules: bool = True) -> None:
        """rules: the device rules, by default tracking.rules.registry.device_rules(alerts);
        keep_days: local days of tracks, figures and passes kept in memory; road_rules=False
        is a tracker of a share of the devices (Redis scale-out): RoadProgress is left out
        (road rules need every device's passes; they are merged elsewhere) and what it
        produces for storage is gathered for take_outputs()."""
        if rules is None:
            from tracking.rules.registry import device_rules
            rules = device_rules(alerts)
        # What it is built from (a scratch tracker of the same kind: tracking/trial.py).
        self.parts = (index, patrol, alerts, devices, clock, tuple(rules))
        self.registry = devices  # who may report: registry.lookup(id) is None for strangers
        self.road_rules = road_rules
        self.keep_days = keep_days
        self._out: OutputLog | None = None if road_rules else OutputLog()
        self.reset()

    def reset(self) -> None:
        """Fresh state (the city, config and known devices stay): what a state is imported
        into (tracking/export/tracker.py, tracking/checkpoint.py)."""
        self.ctx = Context(*self.parts)
        self.stages = [make(self.ctx) for make in PIPELINE
                       if self.road_rules or make is not RoadProgress]
        self.kept_from = ""  # the oldest local date kept (see _forget)
        self.horizon: float | None = None  # the newest tick's horizon
        if self._out is not None:
            self._out = OutputLog()

    @property
    def progress(self) -> RoadProgress | None:
        """The road rules stage (None in a tracker of a share of the devices)."""
        last = self.stages[-1]
        return last if isinstance(last, RoadProgress) else None

    def _run(self, batch: Batch) -> list[Event]:
        for stage in self.stages:
            try:
                stage(batch)
            except Exception as exc:  # the state is half-way now: see bus/guard.py
                raise StageFailed(type(stage).__name__, exc) from exc
        alerts = self.ctx.book.drain()
        batch.events.extend(alerts)
        if self._out is not None:
            self._out.note(batch, alerts)
        return batch.events

    def take_outputs(self) -> Outputs:
        """What was produced since the last take (a tracker built with road_rules=False): the
        rows and figures of the devices that moved, as of now; their tracks are then
        forgotten here, as is the alert history (it was handed out as `alerts`)."""
        if self._out is None:
            raise RuntimeError("take_outputs: a tracker with road rules keeps its outputs")
        ctx = self.ctx
        on_duty = ctx.calendar.on_duty(ctx.clock.now())
        rows = {dev: row for dev in self._out.moved
                if (row := self.device_row(dev, on_duty)) is not None}
        return self._out.take(ctx, rows, self.horizon)

    @property
    def size(self) -> int:
        """Devices the tracker holds state for."""
        return len(self.ctx.slots)

    @property
    def started(self) -> float | None:
        """Data time the tracker started from (its first fix or tick)."""
        return self.ctx.started

    def start_at(self, ts: float) -> None:
        """Count silence from `ts` (the whole system's start), unless already started."""
        if self.ctx.started is None:
            self.ctx.started = ts

    def ingest(self, positions: Sequence[Position],
               rejected: list[tuple[int, str]] | None = None) -> list[Event]:
        """Validated WGS-84 positions in; live events out (a PositionEvent per accepted fix)."""
        return self._run(Batch(self.ctx.clock.now(), positions, rejected))

    def tick(self, now: float | None = None) -> list[Event]:
        """Time-based rules and release of held fixes older than now - reorder window."""
        now = self.ctx.clock.now() if now is None else now
        cutoff = now - self.ctx.patrol.reorder_window_s
        batch = Batch(now, cutoff=cutoff, tick=True, horizon=cutoff, settle=cutoff)
        events = self._run(batch)
        # Passes are final up to the oldest fix the matcher has not decided (the road rules
        # leader of a scale-out sweeps to there). Never backwards (a clock that stepped back,
        # a handover between machines).
        settled = cutoff if batch.decided is None else batch.decided
        self.horizon = settled if self.horizon is None else max(self.horizon, settled)
        self._forget(now)
        return events

    def oldest_held(self) -> float | None:
        """Time of the oldest fix still held in any reorder window (None: nothing held), so a
        caller can tick through a backlog in steps instead of releasing it all at once."""
        held = [s.held[0].ts for s in self.ctx.slots.values() if s.held]
        return min(held) if held else None

    def backlog_step(self, now: float) -> float | None:
        """The time to tick to next when catching up with `now` in steps (None: tick to now
        itself): each step releases BACKLOG_STEP_S of held data time. Results do not depend on
        when ticks come, so the steps change nothing but the latency."""
        oldest = self.oldest_held()
        if oldest is None:
            return None
        step = oldest + self.ctx.patrol.reorder_window_s + BACKLOG_STEP_S
        return step if step < now else None

    def flush(self) -> list[Event]:
        """Release every held fix (the end of a replay); the road rules advance to the clock's
        now or the newest fix, whichever is later (nothing older can still be held)."""
        ctx = self.ctx
        newest = max((s.newest for s in ctx.slots.values()), default=float("-inf"))
        now = ctx.clock.now()
        return self._run(Batch(now, cutoff=float("inf"), horizon=max(now, newest),
                               settle=float("inf")))

    # Queries -------------------------------------------------------------------------------

    def compliance(self, date: str, now: float | None = None) -> list[dict[str, Any]]:
        return self.ctx.ledger.rows(date, self.ctx.clock.now() if now is None else now)

    def road_passes(self, road: str, date: str) -> list[dict[str, Any]]:
        return self.ctx.ledger.road_passes(self.ctx.index.road_ids[road], date)

    def day_passes(self, date: str) -> list[dict[str, Any]]:
        return self.ctx.ledger.day_passes(date)

    def alerts(self, since: float = 0.0) -> list[Alert]:
        """Alerts raised at or after `since` (or cleared since then), by time then id."""
        out = [a for a in self.ctx.book.history
               if a.ts >= since or (a.cleared_ts is not None and a.cleared_ts >= since)]
        out.sort(key=lambda a: (a.ts, a.id))
        return out

    def devices(self) -> list[dict[str, Any]]:
        on_duty = self.ctx.calendar.on_duty(self.ctx.clock.now())
        return [row for slot in self.ctx.slots.values()
                if (row := self.device_row(slot.info.id, on_duty)) is not None]

    def device_row(self, device: str, on_duty: bool) -> dict[str, Any] | None:
        """The device's newest position and state (None: unknown or never heard from)."""
        ctx = self.ctx
        slot = ctx.slots.get(device)
        if slot is None or slot.last is None:
            return None
        road = slot.ps.live
        row = slot.last.to_json()
        row.update(kind=slot.info.kind, state=ctx.state_of(slot, on_duty),
                   grid=ctx.grid_name(slot), road=ctx.road_ids[road] if road >= 0 else None,
                   held=held_count(slot))
        return row

    def track(self, device: str, date: str) -> dict[str, Any]:
        """GeoJSON Feature of the device's day (held fixes included); KeyError if unknown."""
        ctx = self.ctx
        slot = ctx.slots.get(device)
        if slot is None and device not in ctx.registry:
            raise KeyError(device)
        ctx.calendar.day(date)  # ValueError on a bad date
        log_ = ctx.tracks.get(date, {}).get(device)
        merged = TrackLog()
        if log_ is not None:
            merged.data.extend(log_.data)
        if slot is not None:
            for pos in slot.held or ():
                if ctx.calendar.date_of(pos.ts) == date:
                    merged.append(pos.ts, pos.lon, pos.lat)
        return merged.feature(device, date)

    def daily_report(self, date: str, now: float | None = None) -> dict[str, Any]:
        ctx = self.ctx
        now = ctx.clock.now() if now is None else now
        return daily_report(ctx.calendar.day(date), ctx.ledger.rows(date, now), ctx.index,
                            ctx.registry, ctx.stats.get(date, {}), ctx.book.history)

    def stats(self) -> dict[str, int]:
        """Counters for /metrics."""
        ctx = self.ctx
        return {"devices": len(ctx.slots), "late_fixes": ctx.late,
                "duplicate_fixes": ctx.duplicates, "open_alerts": len(ctx.book.open),
                **{f"bad_fixes_{reason}": n for reason, n in ctx.bad_fixes.items()},
                "held_fixes": sum(held_count(s) for s in ctx.slots.values())}

    def _forget(self, now: float) -> None:
        """Drop days older than keep_days (tracks, figures, passes), once a day."""
        ctx = self.ctx
        first = ctx.calendar.first_kept(now, self.keep_days)
        if first == self.kept_from:
            return
        self.kept_from = first
        for store in (ctx.tracks, ctx.stats):
            for date in [d for d in store if d < first]:
                del store[date]
        ctx.ledger.forget_before(first)
        ctx.book.history[:] = [a for a in ctx.book.history
                               if a.ts >= now - self.keep_days * DAY_S or a.cleared_ts is None]

