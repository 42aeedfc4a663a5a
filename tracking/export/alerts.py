"""Open alerts (tracking/alerts.py AlertBook.open) and pass records as data."""

from __future__ import annotations

from typing import Any

import msgspec

from model.alert import Alert, Severity
from tracking.alerts import AlertBook
from tracking.passes import PassRecord


class AlertData(msgspec.Struct, array_like=True):
    id: str
    type: str
    ts: float
    severity: Severity
    subject: dict[str, str]
    message: str
    details: dict[str, Any]
    cleared_ts: float | None


class PassRecordData(msgspec.Struct, array_like=True):
    road: int
    ts: float
    device: str
    suspect: bool
    start_ts: float
    covered_m: float
    speed: float


def export_alert(a: Alert) -> AlertData:
    return AlertData(a.id, a.type, a.ts, a.severity, dict(a.subject), a.message,
                     dict(a.details), a.cleared_ts)


def import_alert(d: AlertData) -> Alert:
    return Alert(d.id, d.type, d.ts, d.severity, dict(d.subject), d.message, dict(d.details),
                 d.cleared_ts)


def export_open(book: AlertBook) -> list[AlertData]:
    return [export_alert(a) for a in book.open.values()]


def import_open(book: AlertBook, alerts: list[AlertData]) -> None:
    """Open alerts back in the book (keyed as AlertBook keys them)."""
    book.open = {}
    for data in alerts:
        alert = import_alert(data)
        (kind, value), = alert.subject.items()
        book.open[(alert.type, kind, value)] = alert


def export_pass(rec: PassRecord) -> PassRecordData:
    return PassRecordData(rec.road, rec.ts, rec.device, rec.suspect, rec.start_ts,
                          rec.covered_m, rec.speed)


def import_pass(d: PassRecordData) -> PassRecord:
    return PassRecord(d.road, d.ts, d.device, d.suspect, d.start_ts, d.covered_m, d.speed)
