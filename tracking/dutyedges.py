"""Window openings and closings between two instants: the moments duty begins and ends.

Rules advance in data time. Whatever crossed a window boundary (a device's next fix, a tick)
must first see the boundary itself, at its own instant, or an alert cleared "when the window
closed" would carry the time of whichever fix or tick happened to notice. The fast test
(`last_edge`) is two comparisons; the walk over days runs only when a boundary was crossed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.clock import DAY_S

if TYPE_CHECKING:
    from tracking.patrolday import Day, PatrolCalendar

_MAX_DAYS = 366  # a jump longer than this only sees the last year's boundaries


def last_edge(day: Day, ts: float) -> float:
    """A time no later than the newest boundary at or before `ts` (`ts` inside `day`), and
    later than every boundary before that one: if `since >= last_edge(...)`, no boundary lies
    in (since, ts]."""
    if ts >= day.close:
        return day.close
    if ts >= day.open:
        return day.open
    return day.start  # the previous close is before the day starts


def edges(calendar: PatrolCalendar, since: float, upto: float) -> list[tuple[float, bool]]:
    """Boundaries in (since, upto], in time order: (instant, on duty from then on)."""
    out: list[tuple[float, bool]] = []
    if not since < upto or since == float("-inf"):
        return out
    day = calendar.day_of(max(since, upto - _MAX_DAYS * DAY_S))
    for _ in range(_MAX_DAYS + 2):
        if day.start > upto:
            break
        if since < day.open <= upto and day.open < day.close:
            out.append((day.open, True))
        if since < day.close <= upto and day.open < day.close:
            out.append((day.close, False))
        day = calendar.after(day)
    return out
