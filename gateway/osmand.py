"""OsmAnd / Traccar Client protocol: request parameters or a JSON body -> Position.

Pure functions; the listener is gateway/osmand_server.py. Units follow what the apps send:
query `speed` is knots (OsmAnd, Traccar Client), JSON `coords.speed` is m/s (the background
geolocation library of newer Traccar Client builds). Negative speed, heading or accuracy
means "unknown" in those apps and becomes None. Times without a zone are read as UTC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from model.deviceid import normalise_device_id
from model.position import Position

KNOT = 1852.0 / 3600.0  # m/s
MAX_SPEED = 500.0  # m/s: anything faster is a broken receiver, not a patrol
_INT32_MAX = 2**31 - 1  # Traccar's rule: a larger integer timestamp is in milliseconds
TS_MIN, TS_MAX = 946_684_800.0, 4_102_444_800.0  # 2000-01-01 .. 2100-01-01


def parse_timestamp(value: str) -> float:
    """Epoch seconds or milliseconds, ISO-8601, or "yyyy-MM-dd HH:mm:ss" (UTC) -> epoch s."""
    ts = _timestamp(value.strip())
    if not TS_MIN <= ts < TS_MAX:
        raise ValueError(f"timestamp {value.strip()[:40]!r} is not between 2000 and 2100")
    return ts


def _timestamp(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"timestamp {text[:40]!r} is not a time")
        return number / 1000.0 if number > _INT32_MAX else number
    try:
        moment = datetime.fromisoformat(text)  # also takes "2014-06-04 09:10:11" and "...Z"
    except ValueError:
        raise ValueError(f"timestamp {text[:40]!r} is neither epoch seconds, milliseconds, "
                         "ISO-8601 nor yyyy-MM-dd HH:mm:ss") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number")
    return number


def _optional(name: str, value: Any) -> float | None:
    """A number where negative (or absent) means unknown."""
    if value is None or value == "":
        return None
    number = _number(name, value)
    return None if number < 0 else number


def _device(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("device id missing (id or deviceid)")
    return normalise_device_id(value)  # a ValueError saying what is wrong with it


def _build(device: str, ts: float, lat: float, lon: float, speed: float | None,
           heading: float | None, acc: float | None, attrs: dict[str, Any]) -> Position:
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"lat {lat:g} out of range [-90, 90]")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"lon {lon:g} out of range [-180, 180]")
    if speed is not None and speed > MAX_SPEED:
        raise ValueError(f"speed {speed:.0f} m/s is not plausible")
    attrs["protocol"] = "osmand"
    return Position(device=device, ts=ts, lat=lat, lon=lon, acc=acc, speed=speed,
                    heading=None if heading is None else heading % 360.0, attrs=attrs)


def parse_params(params: Mapping[str, str], now: float) -> Position:
    """Query-string or form parameters of one report; `now` stands in for a missing time."""
    device = _device(params.get("id") or params.get("deviceid"))
    if "location" in params:
        parts = params["location"].split(",")
        if len(parts) != 2:
            raise ValueError("location must be lat,lon")
        lat, lon = _number("lat", parts[0]), _number("lon", parts[1])
    elif "lat" in params and "lon" in params:
        lat, lon = _number("lat", params["lat"]), _number("lon", params["lon"])
    else:
        raise ValueError("lat and lon (or location=lat,lon) missing")
    ts = parse_timestamp(params["timestamp"]) if params.get("timestamp") else now
    knots = _optional("speed", params.get("speed"))
    heading = _optional("bearing", params.get("bearing", params.get("heading")))
    attrs: dict[str, Any] = {}
    for key, name in (("altitude", "altitude"), ("batt", "battery")):
        if params.get(key):
            attrs[name] = _number(key, params[key])
    if params.get("valid", "true").lower() in ("false", "0"):
        attrs["valid"] = False
    return _build(device, ts, lat, lon, None if knots is None else knots * KNOT, heading,
                  _optional("accuracy", params.get("accuracy")), attrs)


def _one_json(device: str, location: Any, now: float) -> Position:
    if not isinstance(location, dict):
        raise ValueError("location must be an object")
    coords = location.get("coords")
    if not isinstance(coords, dict):
        raise ValueError("location.coords missing")
    if coords.get("latitude") is None or coords.get("longitude") is None:
        raise ValueError("location.coords.latitude and longitude missing")
    lat, lon = _number("latitude", coords["latitude"]), _number("longitude", coords["longitude"])
    stamp = location.get("timestamp")
    if stamp is None:
        ts = now
    elif isinstance(stamp, str):
        ts = parse_timestamp(stamp)
    else:
        ts = parse_timestamp(str(_number("timestamp", stamp)))
    attrs: dict[str, Any] = {}
    altitude = coords.get("altitude")
    if altitude is not None:
        attrs["altitude"] = _number("altitude", altitude)
    battery = location.get("battery")
    if isinstance(battery, dict) and battery.get("level") is not None:
        level = _number("battery.level", battery["level"])
        if level >= 0:
            attrs["battery"] = round(level * 100.0, 1)
    return _build(device, ts, lat, lon, _optional("speed", coords.get("speed")),
                  _optional("heading", coords.get("heading")),
                  _optional("accuracy", coords.get("accuracy")), attrs)


def parse_json(body: Any, now: float) -> list[Position]:
    """{"device_id": ..., "location": {...} or [{...}, ...]} -> positions, oldest first."""
    if not isinstance(body, dict):
        raise ValueError("JSON body must be an object with device_id and location")
    device = _device(body.get("device_id") or body.get("id") or body.get("deviceid"))
    location = body.get("location")
    if location is None:
        raise ValueError("location missing")
    items = location if isinstance(location, list) else [location]
    if not items:
        raise ValueError("location list is empty")
    positions = [_one_json(device, item, now) for item in items]
    positions.sort(key=lambda p: p.ts)
    return positions
