"""The road rules' state as data: the sweep (tracking/roadrules.py RoadRules), the compliance
ledger it counts from (tracking/compliance.py), the open road alerts and what the live page was
last shown per road (tracking/alertstages.py RoadProgress)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tracking.compliance import DayLedger
from tracking.export.alerts import (
    AlertData,
    PassRecordData,
    export_open,
    export_pass,
    import_open,
    import_pass,
)

if TYPE_CHECKING:
    from tracking.alertstages import RoadProgress
    from tracking.roadrules import RoadRules
    from tracking.state import Context


class RoadRulesData(msgspec.Struct, array_like=True):
    time: float | None
    date: str | None  # the local day of `time`
    phase: int
    pending: list[tuple[float, int]]  # heap order
    count: list[int]
    last: list[float | None]
    due: list[list[float]]
    deadlines: list[tuple[float, int, int]]  # heap order


class DayLedgerData(msgspec.Struct, array_like=True):
    counts: list[int]
    last: list[float | None]
    records: list[PassRecordData]


class RoadsData(msgspec.Struct, array_like=True):
    rules: RoadRulesData
    ledger: dict[str, DayLedgerData]
    open: list[AlertData]  # only road alerts live in a road-rules book
    shown: list[tuple[str, int, str] | None]


def export_road_rules(r: RoadRules) -> RoadRulesData:
    return RoadRulesData(r.time, None if r.day is None else r.day.date, r.phase,
                         list(r.pending), list(r.count), list(r.last),
                         [list(d) for d in r.due], list(r.deadlines))


def import_road_rules(ctx: Context, d: RoadRulesData) -> None:
    n = len(ctx.roads)
    if len(d.count) != n:
        raise ValueError(f"road state of {len(d.count)} roads, this city has {n}")
    r = ctx.road_rules
    r.time, r.phase = d.time, d.phase
    r.day = None if d.date is None else ctx.calendar.day(d.date)
    r.pending = [(float(ts), int(i)) for ts, i in d.pending]
    r.count, r.last = list(d.count), list(d.last)
    r.due = [list(x) for x in d.due]
    r.deadlines = [(float(t), int(k), int(i)) for t, k, i in d.deadlines]


def export_roads(ctx: Context, progress: RoadProgress) -> RoadsData:
    rules = export_road_rules(ctx.road_rules)
    ledger = {date: DayLedgerData(list(day.counts), list(day.last),
                                  [export_pass(rec) for rec in day.records])
              for date, day in ctx.ledger.days.items()}
    return RoadsData(rules, ledger, export_open(ctx.book), list(progress.shown))


def import_roads(ctx: Context, progress: RoadProgress, data: RoadsData) -> None:
    """Into a fresh context of the same city and config."""
    n = len(ctx.roads)
    if len(data.shown) != n:
        raise ValueError(f"road state of {len(data.shown)} roads, this city has {n}")
    import_road_rules(ctx, data.rules)
    ctx.ledger.days = {}
    for date, day in data.ledger.items():
        ledger = DayLedger(n)
        ledger.counts, ledger.last = list(day.counts), list(day.last)
        ledger.records = [import_pass(rec) for rec in day.records]
        ctx.ledger.days[date] = ledger
    import_open(ctx.book, data.open)
    progress.shown = [None if s is None else (s[0], s[1], s[2]) for s in data.shown]
