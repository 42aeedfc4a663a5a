"""The processing stages, each one small step over a Batch (Traccar ProcessingHandler style).

The order lives in one place, tracking/engine.py PIPELINE. ingest, tick and flush all run the
same list: a tick simply has no incoming positions and releases by the clock instead. The alert
stages (DeviceRules, RoadProgress) are in tracking/alertstages.py.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from model.clock import DataClock, WallClock
from model.events import Event, PositionEvent
from tracking.candidates import Candidates
from tracking.matcher import (
    CAME,
    DEFAULT_SIGMA,
    JUNCTION,
    LEAVE,
    OUT,
    RESTARTED,
    STILL,
    Step,
    sigma_of,
)
from tracking.reorder import DUPLICATE, HELD, admit, release
from tracking.state import STATE_ALERTS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from geofence.model import Matches
    from model.position import Position
    from tracking.passes import PassRecord
    from tracking.patrolday import Day
    from tracking.state import Context, DeviceSlot

log = logging.getLogger(__name__)

# Candidate roads per fix: a four-way junction puts four roads within reach, and a road cut off
# the list would look out of reach to the road choice.
CANDIDATES = 5

_WALL = WallClock()
INF = float("inf")
# Bad input (kept in the track, counted for nothing, counted in /metrics by reason).
VAGUE, NOT_FINITE, IMPOSSIBLE = "accuracy", "not_finite", "speed"
BAD_REASONS = (VAGUE, NOT_FINITE, IMPOSSIBLE)
MAX_KMH = 200.0
BAD = -2  # the road of a bad fix in Batch.roads: no device rule sees it
# Per-fix fields gathered in C (map) rather than in Python loops: these run for every fix.
_LON, _LAT, _GRID = attrgetter("lon"), attrgetter("lat"), attrgetter("grid")
_ACC = attrgetter("acc")
_HEADING, _SPEED = attrgetter("heading"), attrgetter("speed")
# A fix looks for its road this many of its sigmas away (acc / 1.5), at least the tolerance
# and at most the index's reach (geofence/index.py REACH_M).
RADIUS_SIGMAS = 3.0
_SLOT, _GROUP = itemgetter(0), itemgetter(1)
# Heading evidence: a fix reporting a heading and at least HEADING_MPS adds to each candidate's
# emission cost 0.5 * (angle / sigma) ** 2, capped at HEADING_CAP (a wrong heading must not
# outvote position), the angle between the heading and the road's direction at the
# candidate's place (either way: roads are walked both ways); sigma is the angle a velocity
# error of HEADING_ERR_MPS makes at the fix's speed, at least HEADING_MIN_DEG.
HEADING_MPS = 0.5
HEADING_ERR_MPS = 0.5
HEADING_MIN_DEG = 5.0
HEADING_CAP = 3.0
_STATE_RANK = {type_: rank for rank, type_ in enumerate(STATE_ALERTS)}
_NO_STATE = len(STATE_ALERTS)


@dataclass(slots=True)
class Batch:
    now: float
    positions: Sequence[Position] = ()
    rejected: list[tuple[int, str]] | None = None  # (index in positions, reason)
    cutoff: float | None = None  # release held fixes up to here; None: by each device's newest
    tick: bool = False
    # Data time up to which every fix has been released: the alert rules may advance to it.
    horizon: float | None = None
    # Data time up to which the map matcher may decide fixes on a tick (inf on a flush).
    settle: float | None = None
    # Set by CountPasses on a tick: data time up to which every pass is final (the horizon, or
    # the oldest fix the matcher has not decided yet if that is older): the road rules sweep
    # to here.
    decided: float | None = None
    events: list[Event] = field(default_factory=list)
    touched: list[DeviceSlot] = field(default_factory=list)
    # Released fixes, grouped by device and in time order within each group.
    released: list[tuple[DeviceSlot, list[Position]]] = field(default_factory=list)
    cands: Candidates | None = None
    grids: list[int] = field(default_factory=list)
    roads: list[int] = field(default_factory=list)  # chosen road per released fix, -1 none
    days: list[Day] = field(default_factory=list)
    passes: list[PassRecord] = field(default_factory=list)


class Admit:
    """Known devices only; drop retransmissions; keep late fixes for display; hold the rest."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, batch: Batch) -> None:
        ctx = self.ctx
        clock = ctx.clock
        data_clock = clock if isinstance(clock, DataClock) else None
        # The time rule's upper bound (model/timewindow.py) under either clock: a data clock
        # never runs ahead of real time, so a fix dated 2099 cannot move it.
        limit = (_WALL.now() if data_clock else clock.now()) + ctx.patrol.max_future_s
        calendar = ctx.calendar
        slots = ctx.slots
        road_ids = ctx.road_ids
        grid_ids = ctx.grid_ids
        events = batch.events
        touched: dict[str, DeviceSlot] = {}
        # The map state of devices with an open device alert (Context.state_of, worked out
        # once per batch: the book does not change while fixes are admitted); the others'
        # is just on/off duty.
        alerted: dict[str, int] = {}
        for type_, kind, dev in ctx.book.open:
            if kind == "device":
                rank = _STATE_RANK.get(type_, _NO_STATE)
                if rank < alerted.get(dev, _NO_STATE + 1):
                    alerted[dev] = rank
        day = calendar.day_of(batch.now)
        seen = -INF
        for i, pos in enumerate(batch.positions):
            dev = pos.device
            slot = slots.get(dev)
            if slot is None:
                info = ctx.registry.lookup(dev)
                if info is None:
                    if batch.rejected is not None:
                        batch.rejected.append((i, "unknown device"))
                    continue
                slot = ctx.slot(info)
            ts = pos.ts
            if ts > limit:
                if batch.rejected is not None:
                    batch.rejected.append((i, "timestamp too far in the future"))
                continue
            held = slot.held
            if held is not None and ts > held[-1].ts and ts > slot.released:
                held.append(pos)  # the usual case of admit(): in order after the held ones
                if ts > slot.newest:
                    slot.newest = ts
                status = HELD
            else:
                status = admit(slot, pos)
                if status == DUPLICATE:
                    ctx.duplicates += 1
                    continue
            if not day.start <= ts < day.end:
                day = calendar.day_of(ts)
            if status == HELD:
                touched[dev] = slot
            else:
                track = ctx.track_of(slot, day.date)
                if track.has(ts):
                    ctx.duplicates += 1
                    continue
                ctx.late += 1
                track.insert(ts, pos.lon, pos.lat)
            if ts > seen:
                seen = ts  # the data clock moves once, at the end (nothing reads it before)
            last = slot.last
            if last is None or ts >= last.ts:
                slot.last = pos
            road = slot.ps.live
            grid = slot.grid
            rank = alerted.get(dev, _NO_STATE)
            events.append(PositionEvent(
                pos, grid_ids[grid] if grid >= 0 else slot.info.grid_id,
                road_ids[road] if road >= 0 else None,
                STATE_ALERTS[rank] if rank < _NO_STATE else
                ("active" if day.open <= ts < day.close else "off_duty")))
        batch.touched.extend(touched.values())
        if ctx.started is None and batch.positions:
            ctx.started = min(p.ts for p in batch.positions)
        if data_clock is not None:
            data_clock.observe(seen)
            batch.now = data_clock.now()


class Release:
    """Put each device's fixes back in time order and let out those the window has passed."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, batch: Batch) -> None:
        window = self.ctx.patrol.reorder_window_s
        out = batch.released
        if batch.cutoff is None:
            for slot in batch.touched:
                held = slot.held
                # release_due(slot, window), called only when something is due
                if held is not None and held[0].ts <= slot.newest - window:
                    out.append((slot, release(slot, slot.newest - window)))
            return
        cutoff = batch.cutoff
        for slot in self.ctx.slots.values():
            held = slot.held
            if held is not None and held[0].ts <= cutoff:
                out.append((slot, release(slot, cutoff)))


class Match:
    """One vectorised road match and one grid lookup for every fix released by this batch."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, batch: Batch) -> None:
        if not batch.released:
            return
        released = batch.released
        fixes = list(chain.from_iterable(map(_GROUP, released)))
        lon = np.fromiter(map(_LON, fixes), np.float64, len(fixes))
        lat = np.fromiter(map(_LAT, fixes), np.float64, len(fixes))
        hint = np.repeat(np.fromiter(map(_GRID, map(_SLOT, released)), np.int64, len(released)),
                         np.fromiter(map(len, map(_GROUP, released)), np.int64, len(released)))
        # A fix reporting a poor accuracy looks for its road further than the tolerance
        # (RADIUS_SIGMAS of its own sigma): at sigma 12-15 m a tenth to a fifth of the fixes
        # fall beyond 25 m of their road, and as outliers they would cover nothing.
        acc = np.fromiter([0.0 if a is None else a for a in map(_ACC, fixes)], np.float64,
                          len(fixes))
        matches = self.ctx.index.match(lon, lat, k=CANDIDATES, arms=True,
                                       radius=acc * (RADIUS_SIGMAS / 1.5))
        heads = list(map(_HEADING, fixes))
        turn = None
        if heads.count(None) < len(heads):
            speed = np.array([-1.0 if v is None else v for v in map(_SPEED, fixes)], np.float64)
            heading = np.array([math.nan if h is None else h for h in heads], np.float64)
            turn = turn_costs(self.ctx.bearings.canonical(matches), heading, speed)
        batch.cands = Candidates.of(matches, turn)
        batch.grids = self.ctx.grids.lookup(lon, lat, hint).tolist()


def turn_costs(m: Matches, heading: npt.NDArray[np.float64], speed: npt.NDArray[np.float64]
               ) -> npt.NDArray[np.float64] | None:
    """The heading term of every candidate's emission cost, (N, K) like `m` (whose bearings
    must be canonical: the same fix, the same bearing in any batch; tracking/bearings.py), 0
    where the fix reports no heading or less than HEADING_MPS; None if no fix has one."""
    use = (speed >= HEADING_MPS) & (speed < 100.0) & np.isfinite(heading)
    if not use.any():
        return None
    cand = (m.road >= 0) & use[:, None]
    rows = np.nonzero(cand)[0]
    angle = np.abs((heading[rows] - m.bearing[cand] + 90.0) % 180.0 - 90.0)
    sigma = np.maximum(HEADING_MIN_DEG, np.degrees(np.arctan2(HEADING_ERR_MPS, speed[rows])))
    out = np.zeros(m.road.shape, dtype=np.float64)
    out[cand] = np.minimum(HEADING_CAP, 0.5 * (angle / sigma) ** 2)
    return out


class CountPasses:
    """Map matching for every device (tracking/matcher.py), pass counting over the decided
    steps, daily figures for inspectors, tracks."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, batch: Batch) -> None:
        ctx = self.ctx
        cands = batch.cands
        if cands is not None:
            self._fixes(batch, cands)
        if batch.settle is not None:
            self._settle(batch, batch.settle)
        for rec in batch.passes:
            date = ctx.ledger.add(rec)
            ds = ctx.stats_of(ctx.slots[rec.device], date)
            if rec.suspect:
                ds.suspect += 1
            else:
                ds.passes += 1

    def _settle(self, batch: Batch, horizon: float) -> None:
        """A tick or a flush: decide what the lag has let through without a newer fix."""
        settle = self.ctx.matcher.settle
        steps: list[Step] = []
        decided = batch.horizon
        for slot in self.ctx.slots.values():
            ps = slot.ps
            cols = ps.cols
            if cols:
                settle(ps, horizon, steps)
                if steps:
                    self._count(slot, steps, batch.passes)
                    steps = []
                cols = ps.cols
                if cols and decided is not None and cols[0].ts < decided:
                    decided = cols[0].ts
        batch.decided = decided

    def _count(self, slot: DeviceSlot, steps: list[Step], passes: list[PassRecord],
               day: Day | None = None) -> None:
        """Passes from a device's decided steps (an inspector's; other devices count none);
        day: a guess at the steps' local day (checked), e.g. the batch's."""
        if slot.info.kind != "inspector":
            return
        ctx = self.ctx
        counter, calendar = ctx.counter, ctx.calendar
        ps = slot.ps
        device = slot.info.id
        for ts, road, off, flag, speed in steps:
            if flag:  # not a plain fix on a road (REAL, the usual case: one test for it)
                if flag == OUT:
                    continue  # an outlier: counts for nothing, breaks nothing
                if flag == STILL:
                    counter.hold(ps, ts, road)  # on the road, covering nothing
                    continue
                if flag in (RESTARTED, LEAVE):
                    counter.leave(ps)
                    if road < 0:
                        continue
                elif flag == CAME:
                    if day is None or not day.start <= ts < day.end:
                        day = calendar.day_of(ts)
                    rec = counter.came(ps, device, ts, day, road, off)
                    if rec is not None:
                        passes.append(rec)
                    continue
            if day is None or not day.start <= ts < day.end:
                day = calendar.day_of(ts)
            rec = counter.step(ps, device, ts, day, road, off, flag == JUNCTION, speed)
            if rec is not None:
                passes.append(rec)

    def _fixes(self, batch: Batch, cands: Candidates) -> None:
        ctx = self.ctx
        matcher, meter, calendar = ctx.matcher, ctx.meter, ctx.calendar
        match, update = matcher.step, meter.update
        bad_acc = ctx.patrol.max_accuracy_m
        c_start, c_road, c_dist, c_off = cands.start, cands.road, cands.dist, cands.offset
        c_turn = cands.turn
        xs, ys, grids = cands.x, cands.y, batch.grids
        roads_out, days_out, passes = batch.roads, batch.days, batch.passes
        bad = ctx.bad_fixes
        max_mps = MAX_KMH / 3.6
        day = calendar.day_of(batch.released[0][1][0].ts) if batch.released else None
        steps: list[Step] = []
        i = 0
        for slot, group in batch.released:
            ps = slot.ps
            counts = slot.info.kind == "inspector"
            ts = group[0].ts
            if day is None or not day.start <= ts < day.end:
                day = calendar.day_of(ts)
            date = day.date
            log_ = slot.track
            track = (log_ if log_ is not None and slot.track_date == date
                     else ctx.track_of(slot, date)).data
            if counts:
                stats = slot.stats
                if stats is None or slot.stats_date != date:
                    stats = ctx.stats_of(slot, date)
            else:
                stats = None
            gx, gy, gt = slot.good_x, slot.good_y, slot.good_t
            for pos in group:
                ts = pos.ts
                if not day.start <= ts < day.end:
                    day = calendar.day_of(ts)
                    track = ctx.track_of(slot, day.date).data
                    stats = ctx.stats_of(slot, day.date) if counts else None
                days_out.append(day)
                # Released fixes come after every stored one (late ones are older still).
                track.extend((ts, pos.lon, pos.lat))
                x, y = xs[i], ys[i]
                acc = pos.acc
                reason = None
                if x != x or y != y:
                    reason = NOT_FINITE
                elif acc is not None:
                    if acc != acc:
                        reason = NOT_FINITE
                    elif acc > bad_acc:
                        reason = VAGUE
                if reason is None and gt > -INF:
                    dx, dy = x - gx, y - gy
                    if dx * dx + dy * dy > (max_mps * (ts - gt)) ** 2 + 1.0:
                        reason = IMPOSSIBLE
                if reason is not None:
                    bad[reason] += 1  # kept in the track, counts for nothing
                    roads_out.append(BAD)
                    i += 1
                    continue
                gx, gy, gt = x, y, ts
                spd = pos.speed
                road = ps.live = match(ps, ts, x, y, DEFAULT_SIGMA if acc is None else
                                       sigma_of(acc),
                                       spd if spd is not None and 0.0 <= spd < 100.0 else -1.0,
                                       c_road, c_dist, c_off, c_turn, c_start[i], c_start[i + 1],
                                       steps)
                roads_out.append(road)
                if stats is not None and day.open <= ts < day.close:
                    update(stats, ts, x, y, road)
                i += 1
            slot.good_x, slot.good_y, slot.good_t = gx, gy, gt
            if steps:
                self._count(slot, steps, passes, day)
                steps = []
            slot.grid = grids[i - 1]
