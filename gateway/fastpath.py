"""The fast path of JSON ingest: msgspec decodes and range-checks a whole message in one call.

Almost every message is well formed, so it is decoded straight into typed structs (about ten
times faster than orjson plus a check per field in Python). Only when that fails does
gateway/positions.py look at each item in turn to name the index and the reason of each bad one.
A message with times in epoch seconds (what devices send) is decoded into Positions themselves
(model/position.py is a Struct with the same bounds), so no object is built per fix after the
decoder's own; times as ISO-8601 text take WirePosition, one step more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

import msgspec

from gateway.positions import Rejected, device_id, parse_ts
from model.deviceid import MAX_DEVICE_ID
from model.position import Position
from model.timewindow import TimeWindow

MAX_DEPTH_MESSAGE = "JSON nested too deeply"


class WirePosition(msgspec.Struct):
    # A longer raw id may still be 64 characters once normalised (NFC, spaces removed).
    device: Annotated[str, msgspec.Meta(min_length=1, max_length=4 * MAX_DEVICE_ID)]
    ts: float | str
    lat: Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
    lon: Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
    acc: Annotated[float, msgspec.Meta(ge=0.0, le=1e5)] | None = None
    speed: Annotated[float, msgspec.Meta(ge=0.0, le=500.0)] | None = None
    heading: Annotated[float, msgspec.Meta(ge=0.0, le=360.0)] | None = None


class Envelope(msgspec.Struct):
    positions: list[WirePosition]


class PositionEnvelope(msgspec.Struct):
    positions: list[Position]


_LIST = msgspec.json.Decoder(list[WirePosition])
_ONE = msgspec.json.Decoder(WirePosition)
_ENVELOPE = msgspec.json.Decoder(Envelope)
_P_LIST = msgspec.json.Decoder(list[Position])
_P_ONE = msgspec.json.Decoder(Position)
_P_ENVELOPE = msgspec.json.Decoder(PositionEnvelope)

Decoded = list[Position] | list[WirePosition]


def _decode(data: bytes | str, head: bytes | str, many: msgspec.json.Decoder[Any],
            one: msgspec.json.Decoder[Any], envelope: msgspec.json.Decoder[Any]) -> Any:
    if head in (b"[", "["):
        return many.decode(data)
    if head in (b"{", "{"):
        try:
            return [one.decode(data)]
        except msgspec.ValidationError:
            return envelope.decode(data).positions
    return None


def fast_decode(data: bytes | str) -> Decoded | None:
    """Every item of a well-formed message, or None: then the slow path explains what is wrong.
    Rejected for JSON nested deeper than the decoder goes (msgspec raises RecursionError)."""
    head = data.lstrip()[:1]
    try:
        try:
            items: Decoded | None = _decode(data, head, _P_LIST, _P_ONE, _P_ENVELOPE)
        except msgspec.ValidationError:  # e.g. a time as ISO-8601 text
            items = _decode(data, head, _LIST, _ONE, _ENVELOPE)
        return items
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    except RecursionError:
        raise Rejected(MAX_DEPTH_MESSAGE) from None


def _verdict(raw: str, known: Callable[[str], bool]) -> str | Rejected:
    """A raw id -> its normal form when known, else why it is refused."""
    try:
        device = device_id(raw)
    except Rejected as exc:
        return exc
    return device if known(device) else Rejected(f"unknown device {device!r}")


def from_wire(items: Decoded, window: TimeWindow,
              known: Callable[[str], bool]) -> tuple[list[Position], list[dict[str, Any]]]:
    """The checks that depend on more than the item's own fields: the id rule, the time
    rule (model/timewindow.py) and the device registry."""
    if items and isinstance(items[0], Position):
        return _screen(items, window, known)
    return _from_text_times(cast("list[WirePosition]", items), window, known)


def _from_text_times(items: list[WirePosition], window: TimeWindow,
                     known: Callable[[str], bool]) -> tuple[list[Position], list[dict[str, Any]]]:
    good: list[Position] = []
    rejected: list[dict[str, Any]] = []
    bounds = window.bounds()
    earliest, latest = bounds
    # A message usually carries a few devices many times: check each id once.
    verdicts = {raw: _verdict(raw, known) for raw in {item.device for item in items}}
    for index, item in enumerate(items):
        ts = item.ts
        device = verdicts[item.device]
        if ts.__class__ is float and earliest <= ts <= latest and device.__class__ is str:
            heading = item.heading
            good.append(Position(device, ts, item.lat, item.lon, item.acc, item.speed,
                                 None if heading is None else heading % 360.0))
            continue
        try:
            ts = parse_ts(item.ts) if isinstance(item.ts, str) else item.ts
            reason = window.refusal(ts, bounds)
            if reason is not None:
                raise Rejected(reason)
            if isinstance(device, Rejected):
                raise Rejected(str(device))
        except Rejected as exc:
            rejected.append({"index": index, "error": str(exc)})
            continue
        heading = item.heading
        good.append(Position(device, float(ts), item.lat, item.lon, item.acc, item.speed,
                             None if heading is None else heading % 360.0))
    return good, rejected


def _screen(items: list[Position], window: TimeWindow,
            known: Callable[[str], bool]) -> tuple[list[Position], list[dict[str, Any]]]:
    """from_wire for Positions decoded as such (times in epoch seconds): each is fixed up in
    place (id in its normal form, heading 360 folded to 0) and kept, or refused."""
    good: list[Position] = []
    rejected: list[dict[str, Any]] = []
    bounds = window.bounds()
    earliest, latest = bounds
    verdicts = {raw: _verdict(raw, known) for raw in {p.device for p in items}}
    for index, p in enumerate(items):
        ts = p.ts
        device = verdicts[p.device]
        if earliest <= ts <= latest and device.__class__ is str:
            p.device = device
            if p.heading is not None:
                p.heading %= 360.0
            if p.attrs:  # protocol extras come from gateways, never from a device's JSON
                p.attrs = {}
            good.append(p)
            continue
        reason = window.refusal(ts, bounds)
        rejected.append({"index": index, "error": reason if reason is not None
                         else str(device)})
    return good, rejected
