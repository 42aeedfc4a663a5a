"""Clocks. Logic never calls time.time(); it is handed a Clock (docs/contract.md §4: --clock)."""

from __future__ import annotations

import time
from typing import Protocol

DAY_S = 86_400.0  # seconds in a day of epoch time (local days: tracking/patrolday.py)


class Clock(Protocol):
    def now(self) -> float: ...


class WallClock:
    def now(self) -> float:
        return time.time()


class DataClock:
    """The newest position time seen, so a replayed day raises the alerts of a live one."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def observe(self, ts: float) -> None:
        if ts > self._now:
            self._now = ts

    def now(self) -> float:
        return self._now


class ManualClock:
    """For tests: time moves only when told."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def set(self, ts: float) -> None:
        self._now = ts

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def now(self) -> float:
        return self._now
