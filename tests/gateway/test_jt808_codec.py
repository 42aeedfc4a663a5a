"""Encoder/decoder round trips, and a decoder that never raises whatever it is handed."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import jt808_encoder as enc
from gateway.jt808_decoder import decode, decode_location
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import (
    Authentication,
    Batch,
    Header,
    Location,
    Malformed,
    Message,
    Registration,
)
from gateway.jt808_server import location_to_position
from tests.gateway.helpers import assert_sane_position

BEIJING = timezone(timedelta(hours=8))
PHONE13 = "013833501744"
PHONE19 = "00000000013833501744"


def payload_of(wire: bytes) -> bytes:
    frames = Deframer().feed(wire)
    assert len(frames) == 1
    return frames[0]


def decoded(wire: bytes, offset_s: int = 8 * 3600) -> Message:
    msg = decode(payload_of(wire), offset_s)
    assert isinstance(msg, Message), msg
    return msg


locations = st.builds(
    Location,
    alarm=st.integers(0, 2**32 - 1),
    status=st.integers(0, 2**32 - 1),
    lat=st.integers(-90_000_000, 90_000_000).map(lambda v: v / 1e6),
    lon=st.integers(-180_000_000, 180_000_000).map(lambda v: v / 1e6),
    altitude=st.integers(-32768, 32767),
    speed_kmh=st.integers(0, 65535).map(lambda v: v / 10),
    course=st.integers(0, 359),
    ts=st.integers(946_684_800, 4_102_415_999).map(float),  # BCD years 2000-2099 at UTC+8
    mileage_km=st.none() | st.integers(0, 2**32 - 1).map(lambda v: v / 10),
    satellites=st.none() | st.integers(0, 255),
)


def normalised(loc: Location) -> Location:
    """South/west bits follow the signs (zero counts as north/east)."""
    status = loc.status & ~0b1100 | (0b100 if loc.lat < 0 else 0) | (0b1000 if loc.lon < 0 else 0)
    return loc._replace(status=status)


@settings(max_examples=300, deadline=None)
@given(locations, st.sampled_from([None, 1]), st.integers(0, 0xFFFF))
def test_location_round_trip(loc: Location, version: int | None, serial: int) -> None:
    phone = PHONE13 if version is None else PHONE19
    msg = decoded(enc.location(phone, serial, loc, BEIJING, version))
    assert msg.header == Header(0x0200, msg.header.props, version, phone, serial)
    assert msg.body == normalised(loc)


@settings(max_examples=100, deadline=None)
@given(st.lists(locations, min_size=1, max_size=20), st.sampled_from([0, 1]))
def test_batch_round_trip(items: list[Location], kind: int) -> None:
    msg = decoded(enc.batch(PHONE13, 9, items, UTC, kind), 0)
    assert msg.body == Batch(kind, tuple(normalised(i) for i in items), 0)


def test_terminal_messages_round_trip_both_headers() -> None:
    for phone, version in ((PHONE13, None), (PHONE19, 1)):
        reg = decoded(enc.register(phone, 1, plate="京A12345", model="M1", terminal_id="T9",
                                   province=11, city=100, plate_color=2, version=version))
        assert reg.body == Registration(11, 100, "GRIDW", "M1", "T9", 2, "京A12345")
        auth = decoded(enc.authenticate(phone, 2, "c0de", imei="860000000000001",
                                        software="1.2", version=version))
        expected = (Authentication("c0de") if version is None
                    else Authentication("c0de", "860000000000001", "1.2"))
        assert auth.body == expected
        assert decoded(enc.heartbeat(phone, 3, version)).body is None
        assert decoded(enc.logout(phone, 4, version)).header.msg_id == 0x0003


def test_platform_answers_round_trip() -> None:
    ack = decoded(enc.platform_ack(PHONE13, 5, reply_serial=0x1234, reply_id=0x0200, result=0))
    assert ack.header.msg_id == 0x8001 and ack.body == bytes.fromhex("1234020000")
    reg = decoded(enc.register_ack(PHONE19, 6, 0x0001, 0, "abc", version=1))
    assert reg.header.msg_id == 0x8100 and reg.body == b"\x00\x01\x00abc"
    refused = decoded(enc.register_ack(PHONE13, 7, 0x0002, 4, "ignored"))
    assert refused.body == b"\x00\x02\x04"  # no auth code unless the result is 0


def test_encoder_refuses_bad_phone_numbers() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        enc.heartbeat("12345", 1)
    with pytest.raises(ValueError, match="20-digit"):
        enc.heartbeat(PHONE13, 1, version=1)


def test_unreadable_time_and_coordinates_are_malformed_not_raised() -> None:
    base = enc.location_body(Location(0, 2, 30.0, 114.0, 0, 0.0, 0, 1.7e9), BEIJING)
    zero_time = base[:22] + bytes(6)
    assert "BCD date" in str(decode_location(zero_time, 0))
    feb30 = base[:22] + bytes.fromhex("240230120000")
    assert "BCD date" in str(decode_location(feb30, 0))
    far_north = base[:8] + (91_000_000).to_bytes(4, "big") + base[12:]
    assert "out of range" in str(decode_location(far_north, 0))


def test_truncated_body_reported_with_header() -> None:
    payload = payload_of(enc.location(PHONE13, 1, Location(0, 2, 1.0, 2.0, 0, 0, 0, 1.7e9), UTC))
    short = decode(payload[:-5])
    assert isinstance(short, Malformed) and short.header is not None
    assert "header says" in short.reason


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_decoder_random_bytes_never_raise(data: bytes) -> None:
    result = decode(data)
    assert isinstance(result, Message | Malformed)


@settings(max_examples=300, deadline=None)
@given(locations, st.sampled_from([None, 1]), st.data())
def test_fuzz_decoder_truncated_and_mutated_frames(loc: Location, version: int | None,
                                                   data: st.DataObject) -> None:
    phone = PHONE13 if version is None else PHONE19
    payload = payload_of(enc.location(phone, 1, loc, UTC, version))
    cut = data.draw(st.integers(0, len(payload)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), max_size=4))
    mutated = bytearray(payload[:cut])
    for index, value in flips:
        if mutated:
            mutated[index % len(mutated)] = value
    result = decode(bytes(mutated))
    assert isinstance(result, Message | Malformed)
    if isinstance(result, Message) and isinstance(result.body, Location):
        assert_sane_position(location_to_position(result.body, "x", result.header.phone))
