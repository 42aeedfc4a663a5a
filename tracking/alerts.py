"""The alert book: each condition raises one alert and clears it once (docs/contract.md §3)."""

from __future__ import annotations

from typing import Any

from model.alert import Alert, Severity, alert_id
from model.events import AlertEvent, ClearedEvent


class AlertBook:
    """Open alerts keyed by (type, subject). Raising an open condition again does nothing."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str, str], Alert] = {}
        self.history: list[Alert] = []  # every alert raised, oldest first
        self.events: list[AlertEvent | ClearedEvent] = []  # drained by the engine

    @staticmethod
    def _key(type_: str, subject: dict[str, str]) -> tuple[str, str, str]:
        (kind, value), = subject.items()
        return (type_, kind, value)

    def is_open(self, type_: str, subject: dict[str, str]) -> bool:
        return self._key(type_, subject) in self.open

    def raise_(self, type_: str, subject: dict[str, str], ts: float, severity: Severity,
               message: str, details: dict[str, Any] | None = None,
               grid: str | None = None) -> Alert | None:
        key = self._key(type_, subject)
        if key in self.open:
            return None
        alert = Alert(id=alert_id(type_, subject, ts), type=type_, ts=ts, severity=severity,
                      subject=dict(subject), message=message, details=details or {})
        self.open[key] = alert
        self.history.append(alert)
        self.events.append(AlertEvent(alert, grid))
        return alert

    def clear(self, type_: str, subject: dict[str, str], ts: float,
              grid: str | None = None) -> Alert | None:
        alert = self.open.pop(self._key(type_, subject), None)
        if alert is None:
            return None
        alert.cleared_ts = max(ts, alert.ts)
        self.events.append(ClearedEvent(alert, grid))
        return alert

    def drain(self) -> list[AlertEvent | ClearedEvent]:
        out, self.events = self.events, []
        return out
