"""What /healthz says about this process's workers: ok, or degraded with the reasons.

A worker is *down* while it is failing or dead (the tracking pipeline stopped, a video worker
process dead and not back yet, Redis unreachable): degraded until it reports itself up again.
A *contained* failure (an input dead-lettered, the worker went on) degrades health for
`hold_s` after the last one, so a probe that polls every 15-60 s still sees it; then ok again.
Every failure is counted in /metrics by worker, stage and reason (metrics/registry.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metrics.registry import Metrics
from store.deadletter import DeadLetter

log = logging.getLogger(__name__)


@dataclass
class Health:
    metrics: Metrics
    hold_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _down: dict[str, str] = field(default_factory=dict)  # worker -> why
    _recent: dict[str, tuple[float, str]] = field(default_factory=dict)  # worker -> (when, why)

    def down(self, worker: str, reason: str) -> None:
        if self._down.get(worker) != reason:
            log.error("%s: %s", worker, reason)
        self._down[worker] = reason
        self.metrics.worker_up.labels(worker).set(0)

    def up(self, worker: str) -> None:
        if self._down.pop(worker, None) is not None:
            log.warning("%s: working again", worker)
        self.metrics.worker_up.labels(worker).set(1)

    def failed(self, worker: str, stage: str, reason: str, what: str) -> None:
        """A contained failure: counted, and shown for hold_s."""
        self.metrics.worker_failures.labels(worker, stage, reason).inc()
        self._recent[worker] = (self.clock(), what)

    def dead_letters(self, letters: list[DeadLetter]) -> None:
        for letter in letters:
            self.metrics.dead_letters.labels(letter.worker, letter.stage, letter.reason).inc()
        if letters:
            first = letters[0]
            more = f" (+{len(letters) - 1} more)" if len(letters) > 1 else ""
            self._recent[first.worker] = (
                self.clock(), f"{len(letters)} input(s) dead-lettered at {first.stage}: "
                f"{first.reason}: {first.error[:200]}{more}")

    def status(self) -> dict[str, Any]:
        now = self.clock()
        reasons = [f"{worker}: {why}" for worker, why in sorted(self._down.items())]
        for worker, (at, why) in sorted(self._recent.items()):
            if now - at <= self.hold_s:
                reasons.append(f"{worker}: {why} ({now - at:.0f} s ago)")
        return {"status": "degraded" if reasons else "ok", "reasons": reasons}
