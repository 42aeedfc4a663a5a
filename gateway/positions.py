"""Validation of JSON positions (docs/contract.md §4): one bad item never drops its neighbours.

This is on the hot path of every JSON ingest, so it is plain dict access and float checks; a
numpy pass would cost more than it saves for the 1-100 positions of a typical message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from model.deviceid import BadDeviceId, normalise_device_id
from model.position import Position
from model.timewindow import TimeWindow


class Rejected(ValueError):
    """A position refused with a reason the device is told."""


def parse_ts(value: Any) -> float:
    if isinstance(value, bool):
        raise Rejected("ts must be epoch seconds or an ISO-8601 string with an offset")
    if isinstance(value, int | float):
        ts = float(value)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise Rejected(f"ts {value[:40]!r} is not ISO-8601") from None
        if moment.tzinfo is None:
            raise Rejected("ts needs a UTC offset (e.g. +08:00 or Z)")
        ts = moment.timestamp()
    else:
        raise Rejected("ts must be epoch seconds or an ISO-8601 string with an offset")
    if not math.isfinite(ts):
        raise Rejected("ts is not a finite number")
    return ts


def _opt_float(item: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(f"{key} must be a number")
    v = float(value)
    if not (low <= v <= high):  # also false for NaN
        raise Rejected(f"{key} {value!r} out of range [{low:g}, {high:g}]")
    return v


def device_id(value: Any) -> str:
    """The device id in its normal form (model/deviceid.py), or Rejected saying why not."""
    if not isinstance(value, str):
        raise Rejected("device must be a non-empty string")
    try:
        return normalise_device_id(value)
    except BadDeviceId as exc:
        raise Rejected(str(exc)) from None


def parse_position(item: Any, window: TimeWindow, bounds: tuple[float, float]) -> Position:
    if not isinstance(item, dict):
        raise Rejected("a position must be a JSON object")
    device = device_id(item.get("device"))
    if "ts" not in item:
        raise Rejected("ts is missing")
    ts = parse_ts(item["ts"])
    reason = window.refusal(ts, bounds)
    if reason is not None:
        raise Rejected(reason)
    lat, lon = item.get("lat"), item.get("lon")
    for key, value, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if value is None:
            raise Rejected(f"{key} is missing")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected(f"{key} must be a number")
        if not (-bound <= value <= bound):
            raise Rejected(f"{key} {value!r} out of range [-{bound:g}, {bound:g}]")
    heading = _opt_float(item, "heading", 0.0, 360.0)
    return Position(
        device=device, ts=ts, lat=float(lat), lon=float(lon),  # type: ignore[arg-type]
        acc=_opt_float(item, "acc", 0.0, 1e5),
        speed=_opt_float(item, "speed", 0.0, 500.0),
        heading=None if heading is None else heading % 360.0,
    )


def unpack_body(body: Any) -> list[Any]:
    """A position, a list of them, or {"positions": [...]} -> the list of items."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        if "positions" in body:
            items = body["positions"]
            if not isinstance(items, list):
                raise Rejected("positions must be a list")
            return items
        return [body]
    raise Rejected("body must be a position, a list of positions or {\"positions\": [...]}")


def parse_batch(
    items: list[Any], window: TimeWindow, known: Callable[[str], bool],
) -> tuple[list[Position], list[dict[str, Any]]]:
    """Good positions and [{"index", "error"}] for the bad ones, in input order."""
    good: list[Position] = []
    rejected: list[dict[str, Any]] = []
    bounds = window.bounds()
    for index, item in enumerate(items):
        try:
            pos = parse_position(item, window, bounds)
        except Rejected as exc:
            rejected.append({"index": index, "error": str(exc)})
            continue
        if not known(pos.device):
            rejected.append({"index": index, "error": f"unknown device {pos.device!r}"})
            continue
        good.append(pos)
    return good, rejected
