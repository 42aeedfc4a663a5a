"""Per road, per local date: the passes made and the road's status (docs/contract.md §2 and 4).

Status at time `now` for a date:
  ok      passes >= required
  missed  the window has closed and passes < required
  behind  inside the window and passes <= required x elapsed share - behind_by
  pending otherwise (before the window, or on schedule)
Suspect passes (riding, not walking) are listed but never counted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from geofence.model import Road
    from tracking.passes import PassRecord
    from tracking.patrolday import Day, PatrolCalendar

log = logging.getLogger(__name__)


def road_status(passes: int, required: int, day: Day, now: float, behind_by: float) -> str:
    if passes >= required:
        return "ok"
    if now >= day.close:
        return "missed"
    if day.open <= now and passes <= required * day.elapsed_fraction(now) - behind_by:
        return "behind"
    return "pending"


def expected_passes(required: int, day: Day, now: float) -> float:
    return required * day.elapsed_fraction(now)


class DayLedger:
    """One local date: counted passes and last pass time per road index, plus every record."""

    __slots__ = ("counts", "last", "records")

    def __init__(self, n_roads: int) -> None:
        self.counts = [0] * n_roads
        self.last: list[float | None] = [None] * n_roads
        self.records: list[PassRecord] = []


class ComplianceBook:
    def __init__(self, roads: Sequence[Road], calendar: PatrolCalendar, behind_by: float) -> None:
        self.roads = roads
        self.calendar = calendar
        self.behind_by = behind_by
        self.days: dict[str, DayLedger] = {}

    def ledger(self, date: str) -> DayLedger | None:
        return self.days.get(date)

    def add(self, rec: PassRecord) -> str:
        """File a pass under the local date of its completion; return that date."""
        date = self.calendar.date_of(rec.ts)
        ledger = self.days.get(date)
        if ledger is None:
            ledger = self.days[date] = DayLedger(len(self.roads))
        ledger.records.append(rec)
        if not rec.suspect:
            ledger.counts[rec.road] += 1
            last = ledger.last[rec.road]
            if last is None or rec.ts > last:
                ledger.last[rec.road] = rec.ts
        return date

    def count(self, road: int, date: str) -> int:
        ledger = self.days.get(date)
        return 0 if ledger is None else ledger.counts[road]

    def last_pass(self, road: int, date: str) -> float | None:
        ledger = self.days.get(date)
        return None if ledger is None else ledger.last[road]

    def status(self, road: int, date: str, now: float) -> str:
        day = self.calendar.day(date)
        return road_status(self.count(road, date), self.roads[road].required, day, now,
                           self.behind_by)

    def road_passes(self, road: int, date: str) -> list[dict[str, Any]]:
        ledger = self.days.get(date)
        if ledger is None:
            return []
        return [{"ts": r.ts, "device": r.device, "suspect": r.suspect}
                for r in ledger.records if r.road == road]

    def day_passes(self, date: str) -> list[dict[str, Any]]:
        """Every pass of the day, oldest first, each with its road's id."""
        ledger = self.days.get(date)
        if ledger is None:
            return []
        records = sorted(ledger.records, key=lambda r: (r.ts, r.road))
        return [{"road": self.roads[r.road].id, "ts": r.ts, "device": r.device,
                 "suspect": r.suspect} for r in records]

    def rows(self, date: str, now: float) -> list[dict[str, Any]]:
        """The compliance list of docs/contract.md §4, one row per road in city order."""
        day = self.calendar.day(date)
        ledger = self.days.get(date)
        out = []
        for i, road in enumerate(self.roads):
            passes = 0 if ledger is None else ledger.counts[i]
            out.append({
                "road": road.id, "name": road.name, "class": road.cls, "grid": road.grid,
                "required": road.required, "passes": passes,
                "last_pass_ts": None if ledger is None else ledger.last[i],
                "status": road_status(passes, road.required, day, now, self.behind_by),
            })
        return out

    def forget_before(self, date: str) -> None:
        """Drop ledgers older than `date` (YYYY-MM-DD strings sort as dates)."""
        for old in [d for d in self.days if d < date]:
            del self.days[old]
