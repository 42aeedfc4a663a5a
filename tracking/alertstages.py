"""The alert stages of the pipeline (tracking/engine.py PIPELINE): device rules, road rules.

Both advance in data time, so the same positions raise the same alerts whatever the batch sizes
and the tick cadence. A device's rules see its fixes in time order and, before any fix or tick
that crosses a window opening or closing, the boundary itself at its own instant
(tracking/dutyedges.py). Time without fixes (signal_lost) is only judged on ticks, and only up
to the tick's horizon, the instant up to which every device's fixes have been released: a fix
still held in a reorder window must not be taken for silence. Road rules advance only to that
horizon too, since a pass completed before it may still be in a device's reorder window.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from model.events import RoadEvent
from tracking.dutyedges import edges, last_edge
from tracking.rules.base import Fix
from tracking.stages import BAD

if TYPE_CHECKING:
    from tracking.stages import Batch
    from tracking.state import Context, DeviceSlot

log = logging.getLogger(__name__)


class DeviceRules:
    """The per-device alert rules (tracking/rules/registry.py): every fix, and every tick."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, batch: Batch) -> None:
        ctx = self.ctx
        rules, book = ctx.rules, ctx.book
        if not rules:
            return
        if batch.cands is not None:
            xs, ys, grids, roads, days = (batch.cands.x, batch.cands.y, batch.grids,
                                          batch.roads, batch.days)
            on_fix = [rule.on_fix for rule in rules]
            four = len(on_fix) == 4
            f0, f1, f2, f3 = on_fix if four else (on_fix[0],) * 4
            i = 0
            for slot, group in batch.released:
                info, states = slot.info, slot.rules
                rules_ts = slot.rules_ts
                for pos in group:
                    if roads[i] == BAD:  # bad input counts for nothing (tracking/stages.py)
                        i += 1
                        continue
                    day = days[i]
                    ts = pos.ts
                    # last_edge(day, ts), inlined: this runs for every fix
                    if rules_ts < (day.close if ts >= day.close else
                                   day.open if ts >= day.open else day.start):
                        slot.rules_ts = rules_ts
                        self._edges(slot, ts)
                    fix = Fix(ts, pos.lat, pos.lon, xs[i], ys[i], pos.speed, grids[i],
                              roads[i], day.open <= ts < day.close)
                    if four:  # the usual four rules, unrolled: this runs for every fix
                        states[0] = f0(states[0], info, fix, book)
                        states[1] = f1(states[1], info, fix, book)
                        states[2] = f2(states[2], info, fix, book)
                        states[3] = f3(states[3], info, fix, book)
                    else:
                        for k, rule_on_fix in enumerate(on_fix):
                            states[k] = rule_on_fix(states[k], info, fix, book)
                    rules_ts = ts
                    i += 1
                slot.rules_ts = rules_ts
        if batch.tick and batch.horizon is not None:
            now = batch.horizon
            if ctx.started is None:
                ctx.started = now
            calendar = ctx.calendar
            day = calendar.day_of(now)
            edge = last_edge(day, now)
            on_duty = day.open <= now < day.close
            on_tick = [rule.on_tick for rule in rules]
            for slot in ctx.slots.values():
                if slot.rules_ts >= now:
                    continue  # its own fixes took it further already
                if slot.rules_ts < edge:
                    self._edges(slot, now)
                states, info = slot.rules, slot.info
                for k, rule_on_tick in enumerate(on_tick):
                    states[k] = rule_on_tick(states[k], info, now, on_duty, book)
                slot.rules_ts = now

    def _edges(self, slot: DeviceSlot, upto: float) -> None:
        """Show the device's rules every window boundary in (its rules' time, upto]. A device
        with no time yet starts from the tracker's start: a tracker started mid-window counts
        an unheard inspector's silence from then, a replay that starts before the opening sees
        the opening as a live run did, whether a tick or the device's first fix comes first."""
        since = slot.rules_ts
        if since == float("-inf"):
            if self.ctx.started is None:
                return
            since = self.ctx.started
        book, info, states = self.ctx.book, slot.info, slot.rules
        on_tick = [rule.on_tick for rule in self.ctx.rules]
        for at, on_duty in edges(self.ctx.calendar, since, upto):
            for k, rule_on_tick in enumerate(on_tick):
                states[k] = rule_on_tick(states[k], info, at, on_duty, book)
            slot.rules_ts = at


class RoadProgress:
    """Road alert rules up to the horizon, then a RoadEvent for every road whose passes or
    status moved."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.shown: list[tuple[str, int, str] | None] = [None] * len(ctx.roads)

    def __call__(self, batch: Batch) -> None:
        ctx = self.ctx
        rules = ctx.road_rules
        rules.on_passes((r.road, r.ts) for r in batch.passes if not r.suspect)
        upto = batch.decided if batch.decided is not None else batch.horizon
        if upto is not None:
            rules.advance(upto)  # passes are final up to the oldest undecided fix
        by_road: dict[tuple[int, str], str] = {}
        for rec in batch.passes:
            by_road[(rec.road, ctx.calendar.date_of(rec.ts))] = rec.device
        today = ctx.calendar.date_of(batch.now)
        for (road, date), device in by_road.items():
            self._emit(batch, road, date, device)
        if batch.tick:
            for road in range(len(ctx.roads)):
                self._emit(batch, road, today, None, only_if_changed=True)

    def _emit(self, batch: Batch, i: int, date: str, device: str | None,
              only_if_changed: bool = False) -> None:
        ctx = self.ctx
        passes = ctx.ledger.count(i, date)
        status = ctx.ledger.status(i, date, batch.now)
        shown = (date, passes, status)
        before = self.shown[i]
        if only_if_changed:
            if before == shown:
                return
            if before is None and passes == 0 and status == "pending":
                self.shown[i] = shown  # the day's starting point is no news
                return
        if before is None or date >= before[0]:
            self.shown[i] = shown
        road = ctx.roads[i]
        batch.events.append(RoadEvent(road.id, date, passes, road.required, status,
                                      ctx.ledger.last_pass(i, date), road.grid, device))
