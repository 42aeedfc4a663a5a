"""The road rules alone, over passes merged from several trackers (Redis scale-out: the road
rules leader, bus/redis_roads.py): passes in, road alerts, clearings and road events out, the
state as data (tracking/export/roads.py). The same stage as the one-process tracker's
(tracking/alertstages.py RoadProgress), so the same passes give the same alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracking.alertstages import RoadProgress
from tracking.devices import DeviceRegistry
from tracking.export.roads import RoadsData, export_roads, import_roads
from tracking.stages import Batch
from tracking.state import Context

if TYPE_CHECKING:
    from collections.abc import Sequence

    from config.patrol import AlertConfig, PatrolConfig
    from geofence.index import CityIndex
    from model.clock import Clock
    from model.events import Event
    from tracking.passes import PassRecord


class RoadSweep:
    def __init__(self, index: CityIndex, patrol: PatrolConfig, alerts: AlertConfig,
                 clock: Clock, keep_days: int) -> None:
        self._parts = (index, patrol, alerts, clock)
        self.keep_days = keep_days
        self.reset()

    def reset(self) -> None:
        index, patrol, alerts, clock = self._parts
        self.ctx = Context(index, patrol, alerts, DeviceRegistry([]), clock, rules=())
        self.progress = RoadProgress(self.ctx)

    def step(self, passes: Sequence[PassRecord], horizon: float | None) -> list[Event]:
        """File the passes, sweep the rules to `horizon` (None: no tick yet); the events."""
        ctx = self.ctx
        for rec in passes:
            ctx.ledger.add(rec)
        batch = Batch(ctx.clock.now(), passes=list(passes), horizon=horizon,
                      tick=horizon is not None)
        self.progress(batch)
        events = batch.events + ctx.book.drain()
        if horizon is not None:
            ctx.ledger.forget_before(ctx.calendar.first_kept(horizon, self.keep_days))
        ctx.book.history.clear()  # handed out as events
        return events

    def road_id(self, road: int) -> str | int:
        """The road's id (the index itself if it is not a road of this city)."""
        ids = self.ctx.road_ids
        return ids[road] if 0 <= road < len(ids) else road

    def export(self) -> RoadsData:
        return export_roads(self.ctx, self.progress)

    def restore(self, data: RoadsData) -> None:
        self.reset()
        import_roads(self.ctx, self.progress, data)
