"""Local days and patrol windows in the city's time zone (docs/contract.md §2).

Every fix is asked "which local day, and is it inside that day's window?", so the answer for the
day in use is cached and a lookup is two float comparisons on the fast path.
"""

from __future__ import annotations

import logging
from datetime import date as Date
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from geofence.model import CitySettings
from model.clock import DAY_S

log = logging.getLogger(__name__)


class Day:
    """One local calendar day: [start, end) and its patrol window [open, close), epoch seconds."""

    __slots__ = ("close", "date", "end", "open", "start")

    def __init__(self, date: str, start: float, end: float, open_: float, close: float) -> None:
        self.date = date
        self.start = start
        self.end = end
        self.open = open_
        self.close = close

    @property
    def window_s(self) -> float:
        return self.close - self.open

    def elapsed_fraction(self, now: float) -> float:
        """Share of the window gone by at `now`, clamped to [0, 1]."""
        if now <= self.open:
            return 0.0
        if now >= self.close or self.close <= self.open:
            return 1.0
        return (now - self.open) / (self.close - self.open)

    def __repr__(self) -> str:
        return f"Day({self.date}, open={self.open}, close={self.close})"


class PatrolCalendar:
    def __init__(self, settings: CitySettings) -> None:
        self.zone = ZoneInfo(settings.timezone)
        self.start_min = settings.window_start_min
        self.end_min = settings.window_end_min
        self._days: dict[str, Day] = {}
        self._after: dict[str, Day] = {}  # date -> the next day
        self._last: Day | None = None

    def day(self, date: str) -> Day:
        """The Day of a YYYY-MM-DD string (ValueError if it is not a date)."""
        found = self._days.get(date)
        if found is not None:
            return found
        d = Date.fromisoformat(date)
        midnight = datetime(d.year, d.month, d.day, tzinfo=self.zone)
        nxt = d + timedelta(days=1)
        next_midnight = datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.zone)
        # Aware + timedelta is wall-clock arithmetic, so 07:30 stays 07:30 across a DST change.
        open_ = (midnight + timedelta(minutes=self.start_min)).timestamp()
        close = (midnight + timedelta(minutes=self.end_min)).timestamp()
        day = Day(d.isoformat(), midnight.timestamp(), next_midnight.timestamp(), open_, close)
        if len(self._days) > 4096:  # a long-running server must not grow without bound
            self._days.clear()
            self._after.clear()
        self._days[day.date] = day
        return day

    def day_of(self, ts: float) -> Day:
        last = self._last
        if last is not None and last.start <= ts < last.end:
            return last
        day = self.day(datetime.fromtimestamp(ts, self.zone).date().isoformat())
        self._last = day
        return day

    def after(self, day: Day) -> Day:
        """The day after `day` (what day_of(day.end) gives, without its conversions)."""
        nxt = self._after.get(day.date)
        if nxt is None:
            nxt = self._after[day.date] = self.day_of(day.end)
        return nxt

    def date_of(self, ts: float) -> str:
        return self.day_of(ts).date

    def on_duty(self, ts: float) -> bool:
        day = self.day_of(ts)
        return day.open <= ts < day.close

    def first_kept(self, now: float, keep_days: int) -> str:
        """The oldest local date still kept `keep_days` after `now` (older ones are forgotten:
        tracks, figures, passes)."""
        return self.day_of(now - keep_days * DAY_S).date
