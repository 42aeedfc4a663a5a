"""Compact wire forms for what crosses Redis: positions (msgpack tuples) and output records."""

from __future__ import annotations

from typing import Any

import msgspec

from model.alert import Alert
from model.events import PositionEvent
from model.position import Position
from tracking.passes import PassRecord

PosTuple = tuple[str, float, float, float, float | None, float | None, float | None,
                 dict[str, Any] | None]

_enc = msgspec.msgpack.Encoder()
_pos_dec = msgspec.msgpack.Decoder(list[PosTuple])
_any_dec = msgspec.msgpack.Decoder()


def encode_positions(positions: list[Position]) -> bytes:
    return _enc.encode([(p.device, p.ts, p.lat, p.lon, p.acc, p.speed, p.heading,
                         p.attrs or None) for p in positions])


def decode_positions(data: bytes) -> list[Position]:
    return [Position(d, ts, lat, lon, acc, speed, heading, attrs or {})
            for d, ts, lat, lon, acc, speed, heading, attrs in _pos_dec.decode(data)]


def encode_position_events(events: list[PositionEvent]) -> bytes:
    """Plain tuples: the web processes build the JSON, not the (busier) trackers."""
    return _enc.encode([(e.position.device, e.position.ts, e.position.lat, e.position.lon,
                         e.position.acc, e.position.speed, e.position.heading,
                         e.position.attrs or None, e.grid, e.road, e.state) for e in events])


def decode_position_events(data: bytes) -> list[PositionEvent]:
    return [PositionEvent(Position(d, ts, lat, lon, acc, speed, heading, attrs or {}),
                          grid, road, state)
            for d, ts, lat, lon, acc, speed, heading, attrs, grid, road, state
            in _any_dec.decode(data)]


def encode(obj: Any) -> bytes:
    return _enc.encode(obj)


def decode(data: bytes) -> Any:
    return _any_dec.decode(data)


def pass_to_wire(rec: PassRecord) -> list[Any]:
    return [rec.road, rec.ts, rec.device, rec.suspect, rec.start_ts, rec.covered_m, rec.speed]


def pass_from_wire(row: list[Any]) -> PassRecord:
    road, ts, device, suspect, start_ts, covered_m, speed = row
    return PassRecord(int(road), float(ts), str(device), bool(suspect), float(start_ts),
                      float(covered_m), float(speed))


def alert_to_wire(alert: Alert) -> dict[str, Any]:
    return alert.to_json()


def alert_from_wire(row: dict[str, Any]) -> Alert:
    return Alert(id=row["id"], type=row["type"], ts=row["ts"], severity=row["severity"],
                 subject=row["subject"], message=row["message"], details=row["details"],
                 cleared_ts=row.get("cleared_ts"))
