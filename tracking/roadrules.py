"""Road alert rules: coverage_behind, road_unvisited, road_missed (docs/contract.md §3).

The rules sweep data time forwards to a horizon the engine gives them (the instant up to which
every fix has been released), taking in order the passes completed so far, the window's opening
and closing, and the deadlines each road's passes imply. The deadlines are known instants:

- behind from open + (passes + behind_by) / required x window, while passes < required,
  cleared by the pass that brings passes above the schedule less behind_by;
- unvisited from (last pass, or the opening) + window / required x unvisited_factor, cleared by
  the next pass; a road with all its passes is chased by neither;
- missed at the close when passes < required, cleared when the next window opens.

So every alert carries the instant its condition became true and the figures of that instant,
and the same passes give the same alerts however the horizon moved. A pass that arrives after
the sweep went past its time (a device that buffered offline for long) counts from then on.
"""

from __future__ import annotations

import heapq
import logging
import math
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
_KINDS = (BEHIND, UNVISITED)
INF = math.inf
# Days swept one by one before the next pass or the time swept to: a longer gap (a server
# stopped for weeks, a journal from long ago) skips the days before, with no alerts for them,
# so one sweep costs at most this many days whatever the gap.
SWEEP_DAYS = 7


class RoadRules:
    def __init__(self, ledger: ComplianceBook, cfg: AlertConfig, book: AlertBook) -> None:
        self.calendar = ledger.calendar
        self.roads = ledger.roads
        self.behind_by = cfg.behind_by
        self.factor = cfg.unvisited_factor
        self.book = book
        self.time: float | None = None  # swept up to here
        self.day: Day | None = None  # the local day of `time`
        self.phase = 0  # of that day: 0 before the window, 1 inside, 2 after
        self.pending: list[tuple[float, int]] = []  # heap of passes (ts, road) not swept yet
        n = len(self.roads)
        self.count = [0] * n  # passes swept today
        self.last: list[float | None] = [None] * n
        self.due = [[INF] * n, [INF] * n]  # behind, unvisited deadline per road
        self.deadlines: list[tuple[float, int, int]] = []  # heap (t, kind, road), lazy

    def _subject(self, i: int) -> dict[str, str]:
        return {"road": self.roads[i].id}

    def on_passes(self, passes: Iterable[tuple[int, float]]) -> None:
        """Counted (not suspect) passes, as they complete: swept in time order later."""
        for i, ts in passes:
            if self.time is not None and ts <= self.time:
                self._late(i, ts)
            else:
                heapq.heappush(self.pending, (ts, i))

    def advance(self, upto: float) -> None:
        """Sweep passes, window boundaries and deadlines up to `upto`, in time order."""
        if self.time is None:
            first = min(upto, self.pending[0][0]) if self.pending else upto
            self._begin(self.calendar.day_of(first), first)
        assert self.day is not None and self.time is not None
        pending, deadlines = self.pending, self.deadlines
        while True:  # every round pops a pass or a deadline, or moves the phase on
            day = self.day
            t_pass = pending[0][0] if pending else INF
            t_due = deadlines[0][0] if deadlines else INF
            t_edge = day.open if self.phase == 0 else day.close if self.phase == 1 else day.end
            t = min(t_pass, t_due, t_edge)
            if t > upto:
                break
            self.time = max(t, self.time)
            # At one instant: a new day, then the opening, then passes, deadlines, the close.
            if t_edge == t and self.phase != 1:
                if self.phase == 0:
                    self._opened(day)
                else:
                    self._next_day(day, min(t_pass, upto))
            elif t_pass == t:
                ts, i = heapq.heappop(pending)
                self._pass(i, ts)
            elif t_due == t:
                ts, kind, i = heapq.heappop(deadlines)
                if self.due[kind][i] == ts:
                    self.due[kind][i] = INF
                    self._deadline(kind, i, ts)
            else:
                self._closed(day)
        self.time = max(self.time, upto)

    # The sweep's steps ------------------------------------------------------------------

    def _next_day(self, day: Day, target: float) -> None:
        """The day after `day`, or, when `target` is more than SWEEP_DAYS days on, the day
        SWEEP_DAYS before it (the days between raise nothing)."""
        start = day.end
        skip_to = target - SWEEP_DAYS * 86_400.0
        if skip_to > start:
            start = self.calendar.day_of(skip_to).start
        self._begin(self.calendar.day_of(start), start)

    def _begin(self, day: Day, at: float) -> None:
        self.day = day
        self.phase = 0 if day.open < day.close else 2  # an empty window never opens
        self.time = min(at, day.start)
        n = len(self.roads)
        self.count = [0] * n
        self.last = [None] * n
        self.due = [[INF] * n, [INF] * n]
        self.deadlines.clear()

    def _late(self, i: int, ts: float) -> None:
        day = self.day
        if day is not None and self.time is not None and day.start <= ts < day.end:
            self._pass(i, self.time)

    def _pass(self, i: int, ts: float) -> None:
        day = self.day
        if day is None or not day.open <= ts < day.close:
            return
        road = self.roads[i]
        grid, subject, book = road.grid, self._subject(i), self.book
        self.count[i] += 1
        self.last[i] = ts
        passes, required = self.count[i], road.required
        book.clear(UNVISITED, subject, ts, grid=grid)
        if passes >= required:  # done for the day: nothing to chase
            book.clear(BEHIND, subject, ts, grid=grid)
            self.due[0][i] = self.due[1][i] = INF
            return
        if not book.is_open(BEHIND, subject):
            self._schedule(0, i, day.open + (passes + self.behind_by) / required * day.window_s)
        elif passes > expected_passes(required, day, ts) - self.behind_by:
            book.clear(BEHIND, subject, ts, grid=grid)
            self._schedule(0, i, day.open + (passes + self.behind_by) / required * day.window_s)
        self._schedule(1, i, ts + self._limit(i, day))

    def _limit(self, i: int, day: Day) -> float:
        return day.window_s / self.roads[i].required * self.factor

    def _schedule(self, kind: int, i: int, t: float) -> None:
        assert self.day is not None
        if t >= self.day.close:
            self.due[kind][i] = INF
            return
        self.due[kind][i] = t
        heapq.heappush(self.deadlines, (t, kind, i))

    def _opened(self, day: Day) -> None:
        self.phase = 1
        for i, road in enumerate(self.roads):
            self.book.clear(MISSED, self._subject(i), day.open, grid=road.grid)
            if road.required > 0 and self.count[i] < road.required:
                required = road.required
                self._schedule(0, i, day.open + self.behind_by / required * day.window_s)
                self._schedule(1, i, day.open + self._limit(i, day))

    def _closed(self, day: Day) -> None:
        self.phase = 2
        self.deadlines.clear()
        for i, road in enumerate(self.roads):
            self.due[0][i] = self.due[1][i] = INF
            subject = self._subject(i)
            self.book.clear(BEHIND, subject, day.close, grid=road.grid)
            self.book.clear(UNVISITED, subject, day.close, grid=road.grid)
            passes = self.count[i]
            if passes >= road.required:
                continue
            self.book.raise_(
                MISSED, subject, day.close, "critical",
                message(f"道路 {road.name} 当日巡查未达标：{passes}/{road.required} 次",
                        f"road {road.name} missed its patrols: {passes}/{road.required} passes"),
                {"date": day.date, "passes": passes, "required": road.required,
                 "missing": road.required - passes}, grid=road.grid)

    def _deadline(self, kind: int, i: int, ts: float) -> None:
        day = self.day
        assert day is not None
        road = self.roads[i]
        required, passes, subject = road.required, self.count[i], self._subject(i)
        if _KINDS[kind] == BEHIND:
            expected = expected_passes(required, day, ts)
            self.book.raise_(
                BEHIND, subject, ts, "warning",
                message(f"道路 {road.name} 巡查进度落后：已完成 {passes}/{required} 次，"
                        f"应完成 {expected:.1f} 次",
                        f"road {road.name} is behind schedule: {passes}/{required} passes, "
                        f"{expected:.1f} expected by now"),
                {"date": day.date, "passes": passes, "required": required,
                 "expected": round(expected, 2)}, grid=road.grid)
            return
        last_pass = self.last[i]
        limit = self._limit(i, day)
        zh_for, en_for = duration(limit)
        self.book.raise_(
            UNVISITED, subject, ts, "warning",
            message(f"道路 {road.name} 已超过 {zh_for}无人巡查",
                    f"road {road.name} has had no pass for over {en_for}"),
            {"date": day.date, "since": day.open if last_pass is None else last_pass,
             "limit_s": limit, "passes": passes, "required": required,
             "last_pass_ts": last_pass}, grid=road.grid)
