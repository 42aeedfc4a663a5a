"""JT/T 808 message encoding: the platform's answers, and terminal messages for tests and tools.

Every function returns a whole wire frame (delimited, escaped, with its check code), ready to
write to the socket.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

from gateway.jt808_framing import frame
from gateway.jt808_messages import (
    AUTHENTICATE,
    BATCH,
    HEARTBEAT,
    LOCATION,
    LOGOUT,
    PLATFORM_ACK,
    PROPS_LENGTH,
    PROPS_V2019,
    REG_OK,
    REGISTER,
    REGISTER_ACK,
    STATUS_SOUTH,
    STATUS_WEST,
    Location,
)

_HDR13 = struct.Struct(">HH6sH")
_HDR19 = struct.Struct(">HHB10sH")
_LOC = struct.Struct(">IIIIhHH6s")
_ACK = struct.Struct(">HHB")  # reply serial WORD, reply id WORD, result BYTE
_REG_ACK = struct.Struct(">HB")  # reply serial WORD, result BYTE; auth code STRING on success


def message(msg_id: int, phone: str, serial: int, body: bytes = b"",
            version: int | None = None) -> bytes:
    """A framed message; version None writes a 2013 header, an int a 2019 one."""
    if len(body) > PROPS_LENGTH:
        raise ValueError(f"body of {len(body)} bytes exceeds the 1023 a header can declare")
    if version is None:
        if len(phone) != 12 or not phone.isdigit():
            raise ValueError(f"a 2013 header needs a 12-digit phone number, got {phone!r}")
        header = _HDR13.pack(msg_id, len(body), bytes.fromhex(phone), serial & 0xFFFF)
    else:
        if len(phone) != 20 or not phone.isdigit():
            raise ValueError(f"a 2019 header needs a 20-digit phone number, got {phone!r}")
        header = _HDR19.pack(msg_id, len(body) | PROPS_V2019, version, bytes.fromhex(phone),
                             serial & 0xFFFF)
    return frame(header + body)


def platform_ack(phone: str, serial: int, reply_serial: int, reply_id: int, result: int,
                 version: int | None = None) -> bytes:
    """0x8001 platform general response."""
    return message(PLATFORM_ACK, phone, serial, _ACK.pack(reply_serial, reply_id, result), version)


def register_ack(phone: str, serial: int, reply_serial: int, result: int, auth_code: str = "",
                 version: int | None = None) -> bytes:
    """0x8100 terminal registration response; the auth code is sent only with result 0."""
    body = _REG_ACK.pack(reply_serial, result)
    if result == REG_OK:
        body += auth_code.encode("gbk")
    return message(REGISTER_ACK, phone, serial, body, version)


def _bcd_time(ts: float, tz: timezone) -> bytes:
    moment = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(ts))).astimezone(tz)
    if not 2000 <= moment.year <= 2099:
        raise ValueError(f"{moment.isoformat()} cannot be written as a BCD YYMMDDhhmmss")
    return bytes.fromhex(moment.strftime("%y%m%d%H%M%S"))


def _fixed(text: str, width: int) -> bytes:
    return text.encode("gbk")[:width].ljust(width, b"\x00")


def location_body(loc: Location, tz: timezone) -> bytes:
    status = loc.status & ~(STATUS_SOUTH | STATUS_WEST)
    status |= (STATUS_SOUTH if loc.lat < 0 else 0) | (STATUS_WEST if loc.lon < 0 else 0)
    body = _LOC.pack(loc.alarm, status, round(abs(loc.lat) * 1e6), round(abs(loc.lon) * 1e6),
                     loc.altitude, round(loc.speed_kmh * 10), loc.course, _bcd_time(loc.ts, tz))
    if loc.mileage_km is not None:
        body += b"\x01\x04" + struct.pack(">I", round(loc.mileage_km * 10))
    if loc.satellites is not None:
        body += b"\x31\x01" + bytes((loc.satellites,))
    return body


def location(phone: str, serial: int, loc: Location, tz: timezone,
             version: int | None = None) -> bytes:
    """0x0200 location report."""
    return message(LOCATION, phone, serial, location_body(loc, tz), version)


def batch(phone: str, serial: int, locations: Iterable[Location], tz: timezone, kind: int = 0,
          version: int | None = None) -> bytes:
    """0x0704 batch of location reports (kind 1: blind-area supplement)."""
    items = [location_body(loc, tz) for loc in locations]
    body = struct.pack(">HB", len(items), kind) + b"".join(
        struct.pack(">H", len(item)) + item for item in items)
    return message(BATCH, phone, serial, body, version)


def register(phone: str, serial: int, plate: str = "", model: str = "GW-SIM",
             terminal_id: str = "SIM0001", province: int = 0, city: int = 0,
             manufacturer: str = "GRIDW", plate_color: int = 0,
             version: int | None = None) -> bytes:
    """0x0100 terminal registration (2013 or 2019 field widths, following the header)."""
    widths = (5, 20, 7) if version is None else (11, 30, 30)
    body = (struct.pack(">HH", province, city) + _fixed(manufacturer, widths[0])
            + _fixed(model, widths[1]) + _fixed(terminal_id, widths[2]) + bytes((plate_color,))
            + plate.encode("gbk"))
    return message(REGISTER, phone, serial, body, version)


def authenticate(phone: str, serial: int, code: str, imei: str = "", software: str = "",
                 version: int | None = None) -> bytes:
    """0x0102 terminal authentication."""
    raw = code.encode("gbk")
    if version is None:
        body = raw
    else:
        body = bytes((len(raw),)) + raw + _fixed(imei, 15) + _fixed(software, 20)
    return message(AUTHENTICATE, phone, serial, body, version)


def heartbeat(phone: str, serial: int, version: int | None = None) -> bytes:
    return message(HEARTBEAT, phone, serial, b"", version)


def logout(phone: str, serial: int, version: int | None = None) -> bytes:
    return message(LOGOUT, phone, serial, b"", version)
