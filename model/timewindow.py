"""One time-sanity rule for every input (docs/contract.md §4): what a fix's time may be.

A fix is refused, before the journal and before its device hears "accepted", when its time is
  - more than `max_future_s` ahead of the wall clock (also under `--clock data`: replayed or
    accelerated data never runs ahead of real time, and a fix dated 2099 must not move the
    data clock), or
  - older than `keep_days` before the server's clock (wall, or the newest data time under
    `--clock data`): the server would drop it with the day it belongs to, so it is not kept,
    or before 2000-01-01 (a receiver whose clock was never set).
JSON over HTTP and WebSocket, OsmAnd, JT/T 808 and the journal's replay all use this class.
"""

from __future__ import annotations

import math

from model.clock import Clock, WallClock

MIN_TS = 946_684_800.0  # 2000-01-01: older stamps are device clocks that were never set
DAY_S = 86_400.0


class TimeWindow:
    def __init__(self, clock: Clock, max_future_s: float, keep_days: int,
                 wall: Clock | None = None) -> None:
        self.clock, self.max_future_s, self.keep_days = clock, max_future_s, keep_days
        self.wall: Clock = wall if wall is not None else WallClock()

    def bounds(self) -> tuple[float, float]:
        """(earliest, latest) acceptable fix time now; read once per message."""
        now = self.clock.now()
        earliest = max(MIN_TS, now - self.keep_days * DAY_S) if now > 0 else MIN_TS
        return earliest, self.wall.now() + self.max_future_s

    def refusal(self, ts: float, bounds: tuple[float, float]) -> str | None:
        """Why a fix at `ts` is refused, or None when it is in the window."""
        earliest, latest = bounds
        if earliest <= ts <= latest:
            return None
        if not math.isfinite(ts):
            return "ts is not a finite number"
        if ts > latest:
            return (f"ts is {ts - (latest - self.max_future_s):.0f} s in the future "
                    f"(max_future_s = {self.max_future_s:g})")
        if ts < MIN_TS:
            return "ts is before 2000-01-01"
        return f"ts is older than keep_days ({self.keep_days} days) before the server's clock"
