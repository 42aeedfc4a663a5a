"""JT/T 808 message decoding: header (2011/2013 and 2019) and the bodies a tracker needs.

Input is one frame as the Deframer returns it (unescaped, check code verified and removed).
decode() never raises: anything unreadable comes back as Malformed with the reason, so a
terminal with a firmware quirk gets a "message wrong" answer and keeps its connection.
"""

from __future__ import annotations

import struct
from datetime import timezone

from gateway.jt808_messages import (
    AUTHENTICATE,
    BATCH,
    HEARTBEAT,
    LOCATION,
    LOGOUT,
    PROPS_CIPHER,
    PROPS_LENGTH,
    PROPS_SUBPACKET,
    PROPS_V2019,
    REGISTER,
    STATUS_SOUTH,
    STATUS_WEST,
    Authentication,
    Batch,
    Body,
    Header,
    Location,
    Malformed,
    Message,
    Registration,
)

# 2011/2013 header: id WORD, body properties WORD, phone BCD[6], serial WORD.
_HDR13 = struct.Struct(">HH6sH")
# 2019 header: id WORD, body properties WORD, protocol version BYTE, phone BCD[10], serial WORD.
_HDR19 = struct.Struct(">HHB10sH")
# Subpacket items after the serial: packet total WORD, packet index WORD (from 1); also the
# province and city WORDs of a registration.
_TWO_WORDS = struct.Struct(">HH")
# Location basic info (28 bytes): alarm DWORD, status DWORD, latitude DWORD (1e-6 deg),
# longitude DWORD (1e-6 deg), altitude WORD (m; signed here, some terminals send negatives),
# speed WORD (1/10 km/h), course WORD (0-359), time BCD[6] YYMMDDhhmmss in the terminal's zone.
_LOC = struct.Struct(">IIIIhHH6s")
_LOC_SIZE = _LOC.size
# Batch: item count WORD, kind BYTE; then per item its length WORD and a location body.
_BATCH = struct.Struct(">HB")
_WORD = struct.Struct(">H")
_DWORD = struct.Struct(">I")

# BCD byte -> 0-99, or -1 for a nibble above 9 (the clock of a terminal without a fix is junk).
_BCD = [(b >> 4) * 10 + (b & 15) if (b >> 4) < 10 and (b & 15) < 10 else -1 for b in range(256)]
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_day_cache: dict[bytes, int] = {}


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _day_seconds(ymd: bytes) -> int:
    """Epoch seconds of local midnight of a BCD YYMMDD, or -1 when it is no date."""
    cached = _day_cache.get(ymd)
    if cached is not None:
        return cached
    y, m, d = _BCD[ymd[0]], _BCD[ymd[1]], _BCD[ymd[2]]
    value = -1
    if y >= 0 and 1 <= m <= 12 and d >= 1:
        leap = m == 2 and y % 4 == 0  # years 2000-2099: every fourth is a leap year
        if d <= _MONTH_DAYS[m - 1] + leap:
            value = _days_from_civil(2000 + y, m, d) * 86400
    if len(_day_cache) > 4096:
        _day_cache.clear()
    _day_cache[ymd] = value
    return value


def _text(raw: bytes) -> str:
    """Fixed-width GBK text fields are padded with NULs or spaces."""
    return raw.split(b"\x00", 1)[0].decode("gbk", errors="replace").strip()


_phones: dict[bytes, str] = {}


def _phone(raw: bytes) -> str | None:
    phone = _phones.get(raw)
    if phone is None:
        phone = raw.hex()
        if not phone.isdigit():
            return None
        if len(_phones) > 65536:
            _phones.clear()
        _phones[raw] = phone
    return phone


def decode_header(payload: bytes) -> tuple[Header, int] | str:
    """(header, offset of the body) or the reason it cannot be read."""
    if len(payload) < _HDR13.size:
        return "shorter than a header"
    props = (payload[2] << 8) | payload[3]
    if props & PROPS_V2019:
        if len(payload) < _HDR19.size:
            return "shorter than a 2019 header"
        msg_id, props, version, phone_raw, serial = _HDR19.unpack_from(payload)
        offset = _HDR19.size
    else:
        msg_id, props, phone_raw, serial = _HDR13.unpack_from(payload)
        version = None
        offset = _HDR13.size
    phone = _phone(phone_raw)
    if phone is None:
        return f"phone number {phone_raw.hex()} is not BCD"
    total = index = 0
    if props & PROPS_SUBPACKET:
        if len(payload) < offset + 4:
            return "subpacket items missing"
        total, index = _TWO_WORDS.unpack_from(payload, offset)
        offset += 4
    return Header(msg_id, props, version, phone, serial, total, index), offset


def decode_location(body: bytes, offset_s: int, start: int = 0,
                    end: int | None = None) -> Location | str:
    """A location body (28 bytes and additional items) or the reason it cannot be read."""
    stop = len(body) if end is None else end
    if stop - start < _LOC_SIZE:
        return "location body shorter than 28 bytes"
    alarm, status, lat_raw, lon_raw, altitude, speed, course, when = _LOC.unpack_from(body, start)
    if lat_raw > 90_000_000 or lon_raw > 180_000_000:
        return f"latitude {lat_raw} or longitude {lon_raw} (1e-6 degrees) out of range"
    day = _day_cache.get(when[:3])
    if day is None:
        day = _day_seconds(when[:3])
    hh, mi, ss = _BCD[when[3]], _BCD[when[4]], _BCD[when[5]]
    if day < 0 or not (0 <= hh < 24 and 0 <= mi < 60 and 0 <= ss < 60):
        return f"time {when.hex()} is not a BCD date"
    ts = float(day + hh * 3600 + mi * 60 + ss - offset_s)
    lat = lat_raw / 1e6
    lon = lon_raw / 1e6
    if status & STATUS_SOUTH:
        lat = -lat
    if status & STATUS_WEST:
        lon = -lon
    mileage: float | None = None
    satellites: int | None = None
    pos = start + _LOC_SIZE
    # Additional items: id BYTE, length BYTE, value. Only the cheap, common ones are read;
    # a truncated item list still leaves a usable fix.
    while pos + 2 <= stop:
        item, size = body[pos], body[pos + 1]
        pos += 2
        if pos + size > stop:
            break
        if item == 0x01 and size == 4:  # mileage DWORD, 1/10 km
            mileage = _DWORD.unpack_from(body, pos)[0] / 10.0
        elif item == 0x31 and size == 1:  # GNSS satellites in use BYTE
            satellites = body[pos]
        pos += size
    return Location(alarm, status, lat, lon, altitude, speed / 10.0, course, ts, mileage,
                    satellites)


def decode_batch(body: bytes, offset_s: int) -> Batch | str:
    if len(body) < _BATCH.size:
        return "batch body shorter than 3 bytes"
    count, kind = _BATCH.unpack_from(body)
    pos = _BATCH.size
    locations: list[Location] = []
    bad = 0
    for _ in range(count):
        if pos + 2 > len(body):
            bad += 1
            continue
        (size,) = _WORD.unpack_from(body, pos)
        pos += 2
        if pos + size > len(body):
            bad += count - len(locations) - bad
            break
        loc = decode_location(body, offset_s, pos, pos + size)
        if isinstance(loc, str):
            bad += 1
        else:
            locations.append(loc)
        pos += size
    return Batch(kind, tuple(locations), bad)


def decode_registration(body: bytes, v2019: bool) -> Registration | str:
    # province WORD, city WORD, manufacturer BYTE[5|11], model BYTE[8|20|30],
    # terminal id BYTE[7|7|30], plate colour BYTE, plate STRING (GBK) - widths 2011|2013|2019.
    if v2019:
        widths = (11, 30, 30)
    elif len(body) >= 37:
        widths = (5, 20, 7)
    else:
        widths = (5, 8, 7)
    fixed = 4 + sum(widths) + 1
    if len(body) < fixed:
        return f"registration body of {len(body)} bytes is shorter than {fixed}"
    province, city = _TWO_WORDS.unpack_from(body)
    a = 4 + widths[0]
    b = a + widths[1]
    c = b + widths[2]
    return Registration(province, city, _text(body[4:a]), _text(body[a:b]), _text(body[b:c]),
                        body[c], _text(body[c + 1:]))


def decode_authentication(body: bytes, v2019: bool) -> Authentication:
    # 2011/2013: the code is the whole body. 2019: code length BYTE, code, IMEI BYTE[15],
    # software version BYTE[20].
    if v2019 and body and len(body) >= 1 + body[0]:
        n = body[0]
        return Authentication(_text(body[1:1 + n]), _text(body[1 + n:16 + n]) or None,
                              _text(body[16 + n:36 + n]) or None)
    return Authentication(_text(body))


def decode(payload: bytes, offset_s: int = 8 * 3600) -> Message | Malformed:
    """One verified frame -> Message, or Malformed with the reason. Never raises."""
    try:
        return _decode(payload, offset_s)
    except (ValueError, IndexError, struct.error) as exc:  # belt and braces for odd firmware
        return Malformed(None, f"undecodable frame: {exc}")


def _decode(payload: bytes, offset_s: int) -> Message | Malformed:
    parsed = decode_header(payload)
    if isinstance(parsed, str):
        return Malformed(None, parsed)
    header, offset = parsed
    length = header.props & PROPS_LENGTH
    if offset + length > len(payload):
        return Malformed(header, f"body of {len(payload) - offset} bytes, header says {length}")
    body = payload[offset:offset + length]
    msg_id = header.msg_id
    if header.props & PROPS_CIPHER or header.packet_total:
        return Message(header, body)  # encrypted or a fragment: left for the caller to refuse
    result: Body | str
    if msg_id == LOCATION:
        result = decode_location(body, offset_s)
    elif msg_id == BATCH:
        result = decode_batch(body, offset_s)
    elif msg_id in (HEARTBEAT, LOGOUT):
        result = None
    elif msg_id == REGISTER:
        result = decode_registration(body, header.version is not None)
    elif msg_id == AUTHENTICATE:
        result = decode_authentication(body, header.version is not None)
    else:
        result = body
    if isinstance(result, str):
        return Malformed(header, result)
    return Message(header, result)


def utc_offset_seconds(tz: timezone) -> int:
    delta = tz.utcoffset(None)
    return int(delta.total_seconds()) if delta is not None else 0
