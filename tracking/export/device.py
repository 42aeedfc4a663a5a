"""One device's tracking state (tracking/state.py DeviceSlot) as data: who it is, its reorder
buffer, its road choice and pass state, its rules' slots, its newest fix; and an inspector's
daily figures (tracking/inspectors.py DayStats)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from model.position import Position
from tracking.export.passes import PassStateData, export_passes, import_passes
from tracking.inspectors import DayStats
from tracking.rules.base import DeviceInfo
from tracking.rules.registry import RuleData

if TYPE_CHECKING:
    from tracking.state import Context, DeviceSlot


class PositionData(msgspec.Struct, array_like=True):
    device: str
    ts: float
    lat: float
    lon: float
    acc: float | None
    speed: float | None
    heading: float | None
    attrs: dict[str, Any] | None


class DeviceData(msgspec.Struct, array_like=True):
    # DeviceInfo
    id: str
    kind: str
    grids: list[int]
    grid_id: str | None
    # ReorderState
    held: list[PositionData] | None
    newest: float
    released: float
    # the rest of the slot
    passes: PassStateData
    rules: list[RuleData]
    rules_ts: float
    last: PositionData | None
    grid: int
    stats_date: str  # the figures the slot points at (Context.stats[stats_date][id])
    good: tuple[float, float, float]  # the newest fix that was not bad input: x, y, ts


class DayStatsData(msgspec.Struct, array_like=True):
    distance: float
    duty_s: float
    last_ts: float
    sx: float
    sy: float
    ax: float
    ay: float
    roads: list[int] | None
    passes: int
    suspect: int


def export_position(p: Position) -> PositionData:
    return PositionData(p.device, p.ts, p.lat, p.lon, p.acc, p.speed, p.heading,
                        p.attrs or None)


def import_position(d: PositionData) -> Position:
    return Position(d.device, d.ts, d.lat, d.lon, d.acc, d.speed, d.heading, d.attrs or {})


def export_device(slot: DeviceSlot, ctx: Context) -> DeviceData:
    info, held, last = slot.info, slot.held, slot.last
    return DeviceData(
        info.id, info.kind, list(info.grids), info.grid_id,
        None if held is None else [export_position(p) for p in held], slot.newest,
        slot.released, export_passes(slot.ps),
        [rule.export_state(state) for rule, state in zip(ctx.rules, slot.rules, strict=True)],
        slot.rules_ts, None if last is None else export_position(last), slot.grid,
        slot.stats_date, (slot.good_x, slot.good_y, slot.good_t))


def import_device(data: DeviceData, ctx: Context) -> DeviceSlot:
    """The slot, filed in ctx.slots (its figures must be imported first, see import_stats)."""
    if len(data.rules) != len(ctx.rules):
        raise ValueError(f"device {data.id!r}: state of {len(data.rules)} device rules, this "
                         f"tracker runs {len(ctx.rules)}")
    info = DeviceInfo(data.id, data.kind, tuple(data.grids), data.grid_id)
    ctx.registry.adopt(info)  # auto-registered devices stay known
    slot = ctx.slot(info)
    slot.info = info
    slot.held = None if data.held is None else [import_position(p) for p in data.held]
    slot.newest, slot.released = data.newest, data.released
    slot.ps = import_passes(data.passes)
    slot.rules = [rule.import_state(state) for rule, state in zip(ctx.rules, data.rules,
                                                                  strict=True)]
    slot.rules_ts = data.rules_ts
    slot.last = None if data.last is None else import_position(data.last)
    slot.grid = data.grid
    slot.good_x, slot.good_y, slot.good_t = data.good
    slot.stats, slot.stats_date = None, ""
    if data.stats_date:
        slot.stats = ctx.stats.get(data.stats_date, {}).get(data.id)
        if slot.stats is not None:
            slot.stats_date = data.stats_date
    return slot


def export_stats(ds: DayStats) -> DayStatsData:
    return DayStatsData(ds.distance, ds.duty_s, ds.last_ts, ds.sx, ds.sy, ds.ax, ds.ay,
                        None if ds.roads is None else list(ds.roads), ds.passes, ds.suspect)


def import_stats(data: DayStatsData) -> DayStats:
    ds = DayStats()
    ds.distance, ds.duty_s, ds.last_ts = data.distance, data.duty_s, data.last_ts
    ds.sx, ds.sy, ds.ax, ds.ay = data.sx, data.sy, data.ax, data.ay
    ds.roads = None if data.roads is None else list(data.roads)
    ds.passes, ds.suspect = data.passes, data.suspect
    return ds
