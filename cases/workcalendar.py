"""Working time: office hours on working days, China's public holidays and make-up workdays
(调休, from the holidays package), so that "3 work_days" means what the county means."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from cases.catalog import Limit
from config.cases import minutes

MAX_DAYS = 3 * 366  # a limit that does not fit in three years is refused, not looped on


class WorkCalendar:
    def __init__(self, timezone: str, office_hours: list[tuple[str, str]],
                 public_holidays: bool = True) -> None:
        self.zone = ZoneInfo(timezone)
        self.spans = [(minutes(a), minutes(b)) for a, b in office_hours]
        self.day_seconds = 60.0 * sum(b - a for a, b in self.spans)
        self._china = holidays.country_holidays("CN") if public_holidays else None

    @lru_cache(maxsize=4096)  # noqa: B019  # the calendar lives as long as the server
    def is_workday(self, day: date) -> bool:
        if self._china is None:
            return day.weekday() < 5
        return bool(self._china.is_working_day(day))

    # Every limit walks its days' spans: building them (zone-aware datetimes) cost more than
    # the rest of a case action's arithmetic; a county's calendar has a few thousand days.
    @lru_cache(maxsize=8192)  # noqa: B019  # the calendar lives as long as the server
    def _day_spans(self, day: date) -> tuple[tuple[float, float], ...]:
        if not self.is_workday(day):
            return ()
        midnight = datetime.combine(day, time(0), self.zone)
        out = []
        for a, b in self.spans:
            # Wall-clock spans (DST-safe: built from local times, not offsets from midnight).
            sa = midnight.replace(hour=a // 60, minute=a % 60).timestamp()
            sb = midnight.replace(hour=b // 60, minute=b % 60).timestamp()
            out.append((sa, sb))
        return tuple(out)

    def limit_seconds(self, limit: Limit) -> float:
        """A limit in its own seconds: working seconds for work units, natural otherwise."""
        if limit.unit == "hours":
            return limit.value * 3600.0
        if limit.unit == "work_hours":
            return limit.value * 3600.0
        return limit.value * self.day_seconds

    def add(self, start: float, seconds: float, natural: bool) -> float:
        """The moment `seconds` of (working, unless natural) time after `start`."""
        if natural:
            return start + seconds
        left = seconds
        day = datetime.fromtimestamp(start, self.zone).date()
        for _ in range(MAX_DAYS):
            for a, b in self._day_spans(day):
                a = max(a, start)
                if a >= b:
                    continue
                if b - a >= left:
                    return a + left
                left -= b - a
            day += timedelta(days=1)
        raise ValueError("time limit too long for the working calendar")

    def elapsed(self, start: float, end: float, natural: bool) -> float:
        """(Working, unless natural) seconds between start and end."""
        if end <= start:
            return 0.0
        if natural:
            return end - start
        total = 0.0
        day = datetime.fromtimestamp(start, self.zone).date()
        last = datetime.fromtimestamp(end, self.zone).date()
        while day <= last:
            for a, b in self._day_spans(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def deadline(self, start: float, limit: Limit, fraction: float = 1.0) -> float:
        return self.add(start, self.limit_seconds(limit) * fraction, limit.unit == "hours")
