"""Road alert rules: coverage_behind, road_unvisited, road_missed (CONTRACT section 3).

They look at the compliance ledger of the local day of `now` and run on every tick and after
every batch. Window openings and closings are handled when the rules' time crosses them, in
order, so a replay fed faster than the ticks raises what a live day would. Alert times are the
moments the conditions began (not when a tick noticed), so ids are the same on every replay.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from config.patrol import AlertConfig
from tracking.compliance import ComplianceBook, expected_passes
from tracking.rules.wording import duration, message

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tracking.alerts import AlertBook
    from tracking.patrolday import Day

log = logging.getLogger(__name__)

BEHIND = "coverage_behind"
UNVISITED = "road_unvisited"
MISSED = "road_missed"
_MAX_DAYS = 366  # a clock jump longer than this only handles the last year's boundaries


class RoadRules:
    def __init__(self, ledger: ComplianceBook, cfg: AlertConfig, book: AlertBook) -> None:
        self.ledger = ledger
        self.calendar = ledger.calendar
        self.roads = ledger.roads
        self.behind_by = cfg.behind_by
        self.factor = cfg.unvisited_factor
        self.book = book
        self.last: float | None = None  # the rules' own time: boundaries crossed since then

    def _subject(self, i: int) -> dict[str, str]:
        return {"road": self.roads[i].id}

    def on_passes(self, passes: Iterable[tuple[int, float]]) -> None:
        """A pass on road i at ts ends its unvisited spell."""
        for i, ts in passes:
            self.book.clear(UNVISITED, self._subject(i), ts, grid=self.roads[i].grid)

    def evaluate(self, now: float, roads: Iterable[int] | None = None) -> None:
        """Handle boundaries crossed up to `now`, then check `roads` (default: all)."""
        last = self.last
        if last is None:
            last = now
        elif now > last:
            self._crossings(last, now)
        self.last = max(last, now)
        day = self.calendar.day_of(now)
        if day.open <= now < day.close:
            for i in range(len(self.roads)) if roads is None else roads:
                self._during(i, day, now)

    def _crossings(self, last: float, now: float) -> None:
        day = self.calendar.day_of(last)
        for _ in range(_MAX_DAYS):
            if day.start > now:
                break
            if last < day.open <= now:
                self._opened(day)
            if last < day.close <= now:
                self._closed(day)
            day = self.calendar.day_of(day.end)

    def _opened(self, day: Day) -> None:
        for i, road in enumerate(self.roads):
            self.book.clear(MISSED, self._subject(i), day.open, grid=road.grid)

    def _closed(self, day: Day) -> None:
        for i, road in enumerate(self.roads):
            subject = self._subject(i)
            self.book.clear(BEHIND, subject, day.close, grid=road.grid)
            self.book.clear(UNVISITED, subject, day.close, grid=road.grid)
            passes = self.ledger.count(i, day.date)
            if passes >= road.required:
                continue
            self.book.raise_(
                MISSED, subject, day.close, "critical",
                message(f"道路 {road.name} 当日巡查未达标：{passes}/{road.required} 次",
                        f"road {road.name} missed its patrols: {passes}/{road.required} passes"),
                {"date": day.date, "passes": passes, "required": road.required,
                 "missing": road.required - passes}, grid=road.grid)

    def _during(self, i: int, day: Day, now: float) -> None:
        road = self.roads[i]
        required = road.required
        if required <= 0:
            return
        subject = self._subject(i)
        passes = self.ledger.count(i, day.date)
        if passes >= required:  # done for the day: nothing to chase
            self.book.clear(BEHIND, subject, now, grid=road.grid)
            self.book.clear(UNVISITED, subject, now, grid=road.grid)
            return
        expected = expected_passes(required, day, now)
        if passes <= expected - self.behind_by:
            # The moment the schedule got ahead of the passes by behind_by.
            since = day.open + (passes + self.behind_by) / required * day.window_s
            self.book.raise_(
                BEHIND, subject, min(since, now), "warning",
                message(f"道路 {road.name} 巡查进度落后：已完成 {passes}/{required} 次，"
                        f"应完成 {expected:.1f} 次",
                        f"road {road.name} is behind schedule: {passes}/{required} passes, "
                        f"{expected:.1f} expected by now"),
                {"date": day.date, "passes": passes, "required": required,
                 "expected": round(expected, 2)}, grid=road.grid)
        else:
            self.book.clear(BEHIND, subject, now, grid=road.grid)
        last_pass = self.ledger.last_pass(i, day.date)
        ref = day.open if last_pass is None or last_pass < day.open else last_pass
        limit = day.window_s / required * self.factor
        if now - ref > limit:
            zh_for, en_for = duration(limit)
            self.book.raise_(
                UNVISITED, subject, ref + limit, "warning",
                message(f"道路 {road.name} 已超过 {zh_for}无人巡查",
                        f"road {road.name} has had no pass for over {en_for}"),
                {"date": day.date, "since": ref, "limit_s": limit, "passes": passes,
                 "required": required, "last_pass_ts": last_pass}, grid=road.grid)
