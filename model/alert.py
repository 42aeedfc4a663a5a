"""Alerts as docs/contract.md §3 defines them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]

ALERT_TYPES = (
    "coverage_behind", "road_unvisited", "road_missed", "signal_lost", "idle", "off_grid",
    "too_fast", "motion", "spill", "camera_offline",
)


@dataclass(slots=True)
class Alert:
    id: str
    type: str
    ts: float
    severity: Severity
    subject: dict[str, str]
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    cleared_ts: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "type": self.type, "ts": self.ts, "severity": self.severity,
            "subject": self.subject, "message": self.message, "details": self.details,
        }
        if self.cleared_ts is not None:
            out["cleared_ts"] = self.cleared_ts
        return out


def alert_id(type_: str, subject: dict[str, str], ts: float) -> str:
    """Deterministic id: the same data raises the same id on every backend and every replay."""
    (kind, value), = subject.items()
    return f"{type_}:{kind}:{value}:{ts:.3f}"
