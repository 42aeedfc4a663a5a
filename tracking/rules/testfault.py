"""A device rule that raises on purpose (config/testfaults.py: poison-rule), so the tests and
bench/chaos.py can show what a poison position does. Never in the rules unless
GRIDWATCH_TEST_FAULTS names it."""

from __future__ import annotations

from typing import Any

from config.testfaults import POISON_SPEED
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix


class PoisonRule:
    type = "test_poison"

    def new_state(self) -> None:
        return None

    def export_state(self, state: Any) -> None:
        return None

    def import_state(self, data: Any) -> None:
        return None

    def on_fix(self, state: Any, device: DeviceInfo, fix: Fix, book: AlertBook) -> Any:
        if fix.speed == POISON_SPEED:
            raise RuntimeError(f"test fault: poison position of {device.id} at {fix.ts}")
        return state

    def on_tick(self, state: Any, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> Any:
        return state
