"""Every event and record as it leaves a process, in one place: JSON text for /ws/live
clients (the memory and Redis layouts alike), msgpack for Redis streams (positions from the
gateways, position events for the live page, durable outputs: passes, alerts, clearings, road
progress, camera events). Each wire form is a msgspec Struct, so a reader validates what it
reads and an entry it cannot read is refused whole, never half-applied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import orjson

from model.events import AlertEvent, CameraEvent, ClearedEvent, Event, PositionEvent, RoadEvent
from model.position import Position
from tracking.export.alerts import (
    AlertData,
    PassRecordData,
    export_alert,
    export_pass,
    import_alert,
    import_pass,
)
from tracking.outputs import DayFigures
from tracking.passes import PassRecord

# JSON for browsers ---------------------------------------------------------------------------


class _PositionJson(msgspec.Struct, omit_defaults=True):
    """PositionEvent.to_json's layout, for msgspec to write straight to JSON (0.6 µs against
    1 µs through a dict and orjson: this runs for every position pushed live)."""

    type: str
    device: str
    ts: float
    lat: float
    lon: float
    state: str
    acc: float | None = None
    speed: float | None = None
    heading: float | None = None
    grid: str | None = None
    road: str | None = None


_json = msgspec.json.Encoder()


def json_value(event: Event) -> _PositionJson | msgspec.Raw:
    """What msgspec writes as the event's to_json(), the same values and key order: a list of
    these is a whole batch-mode frame in one encode call (web/live.py)."""
    if event.__class__ is PositionEvent:
        p = event.position
        if not p.attrs:  # protocol extras are merged in: the general path
            return _PositionJson("position", p.device, p.ts, p.lat, p.lon,
                                 event.state, p.acc, p.speed, p.heading,
                                 event.grid, event.road)
    return msgspec.Raw(orjson.dumps(event.to_json()))


def json_frame(values: Sequence[_PositionJson | msgspec.Raw]) -> bytes:
    """json_value()s as one JSON array."""
    return _json.encode(values)


def json_of(value: _PositionJson | msgspec.Raw) -> str:
    """A json_value() as JSON text."""
    return _json.encode(value).decode()


def json_text(event: Event) -> str:
    """The event's to_json() as JSON text, the same values and key order."""
    return json_of(json_value(event))


# msgpack for Redis ---------------------------------------------------------------------------

_enc = msgspec.msgpack.Encoder()


class PositionWire(msgspec.Struct, array_like=True):
    """A position as a gateway writes it into a partition's stream."""

    device: str
    ts: float
    lat: float
    lon: float
    acc: float | None
    speed: float | None
    heading: float | None
    attrs: dict[str, Any] | None


class PositionEventWire(msgspec.Struct, array_like=True):
    """A position event as a tracker writes it for the web processes' live clients."""

    device: str
    ts: float
    lat: float
    lon: float
    acc: float | None
    speed: float | None
    heading: float | None
    attrs: dict[str, Any] | None
    grid: str | None
    road: str | None
    state: str


class AlertWire(msgspec.Struct, tag="alert", array_like=True):
    alert: AlertData
    grid: str | None


class ClearedWire(msgspec.Struct, tag="cleared", array_like=True):
    alert: AlertData  # with its cleared_ts
    grid: str | None


class RoadWire(msgspec.Struct, tag="road", array_like=True):
    road: str
    date: str
    passes: int
    required: int
    status: str
    last_pass_ts: float | None
    grid: str | None
    device: str | None


class CameraWire(msgspec.Struct, tag="camera_event", array_like=True):
    camera: str
    kind: str
    ts: float
    details: dict[str, Any]
    grid: str | None


class PassWire(msgspec.Struct, tag="pass", array_like=True):
    rec: PassRecordData


OutputWire = AlertWire | ClearedWire | RoadWire | CameraWire | PassWire
Output = AlertEvent | ClearedEvent | RoadEvent | CameraEvent | PassRecord

_positions = msgspec.msgpack.Decoder(list[PositionWire])
_position_events = msgspec.msgpack.Decoder(list[PositionEventWire])
_outputs = msgspec.msgpack.Decoder(list[OutputWire])


def encode_positions(positions: Sequence[Position]) -> bytes:
    return _enc.encode([PositionWire(p.device, p.ts, p.lat, p.lon, p.acc, p.speed, p.heading,
                                     p.attrs or None) for p in positions])


def decode_positions(data: bytes) -> list[Position]:
    """msgspec.DecodeError or ValidationError for anything else."""
    return [Position(w.device, w.ts, w.lat, w.lon, w.acc, w.speed, w.heading, w.attrs or {})
            for w in _positions.decode(data)]


def encode_position_events(events: Sequence[PositionEvent]) -> bytes:
    """Plain fields: the web processes build the JSON, not the (busier) trackers."""
    return _enc.encode([PositionEventWire(
        e.position.device, e.position.ts, e.position.lat, e.position.lon, e.position.acc,
        e.position.speed, e.position.heading, e.position.attrs or None, e.grid, e.road,
        e.state) for e in events])


def decode_position_events(data: bytes) -> list[PositionEvent]:
    return [PositionEvent(Position(w.device, w.ts, w.lat, w.lon, w.acc, w.speed, w.heading,
                                   w.attrs or {}), w.grid, w.road, w.state)
            for w in _position_events.decode(data)]


def _to_wire(item: Output) -> OutputWire:
    if isinstance(item, PassRecord):
        return PassWire(export_pass(item))
    if isinstance(item, AlertEvent):
        return AlertWire(export_alert(item.alert), item.grid)
    if isinstance(item, ClearedEvent):
        return ClearedWire(export_alert(item.alert), item.grid)
    if isinstance(item, RoadEvent):
        return RoadWire(item.road, item.date, item.passes, item.required, item.status,
                        item.last_pass_ts, item.grid, item.device)
    return CameraWire(item.camera, item.kind, item.ts, item.details, item.grid)


def _from_wire(w: OutputWire) -> Output:
    if isinstance(w, PassWire):
        return import_pass(w.rec)
    if isinstance(w, AlertWire):
        return AlertEvent(import_alert(w.alert), w.grid)
    if isinstance(w, ClearedWire):
        return ClearedEvent(import_alert(w.alert), w.grid)
    if isinstance(w, RoadWire):
        return RoadEvent(w.road, w.date, w.passes, w.required, w.status, w.last_pass_ts,
                         w.grid, w.device)
    return CameraEvent(w.camera, w.kind, w.ts, w.details, w.grid)


def encode_outputs(items: Sequence[Output]) -> bytes:
    """Durable outputs of one commit, in order."""
    return _enc.encode([_to_wire(item) for item in items])


def decode_outputs(data: bytes) -> list[Output]:
    """msgspec.DecodeError or ValidationError for an entry of another format."""
    return [_from_wire(w) for w in _outputs.decode(data)]



_figures = msgspec.msgpack.Decoder(DayFigures)


def encode_figures(figures: DayFigures) -> bytes:
    """An inspector's figures for a day, as a partition stores them for the web processes."""
    return _enc.encode(figures)


def decode_figures(data: bytes) -> DayFigures:
    return _figures.decode(data)
