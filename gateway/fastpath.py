"""The fast path of JSON ingest: msgspec decodes and range-checks a whole message in one call.

Almost every message is well formed, so it is decoded straight into typed structs (about ten
times faster than orjson plus a check per field in Python). Only when that fails does
gateway/positions.py look at each item in turn to name the index and the reason of each bad one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from gateway.positions import MAX_DEVICE_ID, MIN_TS, Rejected, parse_ts
from model.position import Position


class WirePosition(msgspec.Struct):
    device: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_DEVICE_ID)]
    ts: float | str
    lat: Annotated[float, msgspec.Meta(ge=-90.0, le=90.0)]
    lon: Annotated[float, msgspec.Meta(ge=-180.0, le=180.0)]
    acc: Annotated[float, msgspec.Meta(ge=0.0, le=1e5)] | None = None
    speed: Annotated[float, msgspec.Meta(ge=0.0, le=500.0)] | None = None
    heading: Annotated[float, msgspec.Meta(ge=0.0, le=360.0)] | None = None


class Envelope(msgspec.Struct):
    positions: list[WirePosition]


_LIST = msgspec.json.Decoder(list[WirePosition])
_ONE = msgspec.json.Decoder(WirePosition)
_ENVELOPE = msgspec.json.Decoder(Envelope)


def fast_decode(data: bytes | str) -> list[WirePosition] | None:
    """Every item of a well-formed message, or None: then the slow path explains what is wrong."""
    head = data.lstrip()[:1]
    try:
        if head in (b"[", "["):
            return _LIST.decode(data)
        if head in (b"{", "{"):
            try:
                return [_ONE.decode(data)]
            except msgspec.ValidationError:
                return _ENVELOPE.decode(data).positions
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return None


def from_wire(items: list[WirePosition], now: float, max_future_s: float,
              known: Callable[[str], bool]) -> tuple[list[Position], list[dict[str, Any]]]:
    """The checks that depend on more than the item's own fields: time and device registry."""
    good: list[Position] = []
    rejected: list[dict[str, Any]] = []
    latest = now + max_future_s
    # A message usually carries a few devices many times: ask the registry once per device.
    verdicts = {device: known(device) for device in {item.device for item in items}}
    # Known devices with a usable id: their items need only the time checked.
    usable = {device for device, ok in verdicts.items() if ok and device.strip()}
    for index, item in enumerate(items):
        ts = item.ts
        if ts.__class__ is float and MIN_TS <= ts <= latest and item.device in usable:
            heading = item.heading
            good.append(Position(item.device, ts, item.lat, item.lon, item.acc, item.speed,
                                 None if heading is None else heading % 360.0))
            continue
        try:
            ts = parse_ts(item.ts) if isinstance(item.ts, str) else item.ts
            if not (MIN_TS <= ts <= latest):  # False for NaN
                raise Rejected("ts is before 2000-01-01" if ts < MIN_TS else
                               f"ts is {ts - now:.0f} s in the future")
            if not item.device.strip():
                raise Rejected("device must be a non-empty string")
        except Rejected as exc:
            rejected.append({"index": index, "error": str(exc)})
            continue
        if not verdicts[item.device]:
            rejected.append({"index": index, "error": f"unknown device {item.device!r}"})
            continue
        heading = item.heading
        good.append(Position(item.device, float(ts), item.lat, item.lon, item.acc, item.speed,
                             None if heading is None else heading % 360.0))
    return good, rejected
