"""Real JT/T 808 frames captured from terminals, decoded field by field.

Every frame below is re-typed from Traccar's test suite: repository traccar/traccar, file
src/test/java/org/traccar/protocol/Jt808ProtocolDecoderTest.java (Apache-2.0). The expected
values were worked out by hand from the bytes, as the comments show, not by running a decoder.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.jt808_decoder import decode
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import Authentication, Batch, Location, Message, Registration
from gateway.jt808_server import location_to_position
from tests.gateway.helpers import assert_sane_position

BEIJING = 8 * 3600


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def one(hex_frame: str) -> Message:
    deframer = Deframer()
    frames = deframer.feed(bytes.fromhex(hex_frame))
    assert len(frames) == 1, deframer.bad_checksum
    msg = decode(frames[0], BEIJING)
    assert isinstance(msg, Message), msg
    return msg


def location_of(msg: Message) -> Location:
    assert isinstance(msg.body, Location)
    pos = location_to_position(msg.body, "truck-07", msg.header.phone)
    assert_sane_position(pos)
    return msg.body


# 2013 header, phone 013833501744 (the number in docs/contract.md §6), serial 0x0019.
# status 0x000000c2: bit 1 fixed, north, east. lat 0x01597fa8 = 22642600, lon 0x06cc0158 =
# 114032984, altitude 0x0080 = 128 m, speed 0, course 0x0008, time 15-08-18 07:21:21 (UTC+8),
# item 01/04 mileage 0x000002f5 = 757 -> 75.7 km.
FRAME_SHENZHEN = ("7E0200002A013833501744001900000000000000C201597FA806CC0158008000000008150818"
                  "0721210104000002F502020000030200009F7E")
# alarm 1 (emergency), status 0x0a: fixed, bit 3 west. lat 0x03083db7 = 50871735,
# lon 0x001329f3 = 1255923 (west), speed 0x0014 = 20 -> 2.0 km/h, course 0,
# time 13-04-12 16:49:52 (UTC+8), mileage 0x12 -> 1.8 km.
FRAME_WEST = ("7e0200002e094027587492000a000000010000000a03083db7001329f3000000140000130412164952"
              "010400000012360a0002341502cb0c20085c107e")
# status 0x400e: fixed, bit 2 south, bit 3 west. lat 0x012af16f = 19591535 (south),
# lon 0x02cbd2ba = 46912186 (west), time 15-01-01 19:42:57 (UTC+8), mileage 0x77 -> 11.9 km.
FRAME_BRAZIL = ("7e020000220014012499170007000000000000400e012af16f02cbd2ba0000000000001501"
                "01194257010400000077a97e")
# 2019 header (props 0x402d: bit 14, body 45 bytes), version 1, phone 00000866496077582164,
# serial 0x881d. Batch of 1 (kind 0), item of 0x28 bytes: status 7 (ACC, fixed, south),
# lat 0x01a00192 = 27263378 (south), lon 0x091f2a47 = 153037383, altitude 0x16 = 22 m,
# speed 0, course 2, time 26-05-09 16:42:27 (UTC+8), mileage 0x2582 = 9602 -> 960.2 km,
# item 31/01 satellites 0x0e = 14 (Traccar asserts 14 satellites on this frame too).
FRAME_2019_BATCH = ("7e0704402d0100000866496077582164881d00010000280000000000000007"
                    "01a00192091f2a4700160000000226050916422701040000258230010031010e507e")
# 2013 batch of 8 (kind 1, blind-area supplement) from 013567777777, serial 0x07f5. First item:
# status 3, lat 0x01597412 = 22639634, lon 0x06cbfd50 = 114031952, altitude 0x0172 = 370,
# speed 0, course 1, time 16-05-27 09:06:24. Last: lat 0x015977a6 = 22640550, lon 0x06cbff30 =
# 114032432, altitude 0x0108 = 264, time 16-05-27 09:10:02.
FRAME_BATCH8 = (
    "7E0704014301356777777707F5000801002600000000000000030159741206CBFD5001720000000116052709062401"
    "040000001D03020000002600000000000000030159746606CBFD50016B0000000116052709065301040000001D0302"
    "000000260000000000000003015975E406CBFE58013F0000000116052709072701040000001D030200000026000000"
    "0000000003015976DE06CBFF10012E0000000116052709075601040000001D03020000002600000000000000030159"
    "76BC06CBFED0012D0000000116052709083001040000001D0302000000260000000000000003015976FE06CBFEC001"
    "080000000116052709090001040000001D0302000000260000000000000003015976FE06CBFE7800FC000000011605"
    "2709093301040000001D0302000000260000000000000003015977A606CBFF3001080000000116052709100201040000"
    "001D030200001F7E")


def test_location_2013_north_east() -> None:
    msg = one(FRAME_SHENZHEN)
    assert (msg.header.msg_id, msg.header.phone, msg.header.serial) == (0x0200, "013833501744", 25)
    assert msg.header.version is None
    loc = location_of(msg)
    assert (loc.lat, loc.lon) == (22.6426, 114.032984)
    assert (loc.altitude, loc.speed_kmh, loc.course) == (128, 0.0, 8)
    assert loc.ts == utc(2015, 8, 17, 23, 21, 21)  # 07:21:21 Beijing time
    assert loc.mileage_km == pytest.approx(75.7)
    assert loc.status & 0x2 and loc.alarm == 0


def test_location_west_flag_and_speed() -> None:
    loc = location_of(one(FRAME_WEST))
    assert (loc.lat, loc.lon) == (50.871735, -1.255923)
    assert loc.speed_kmh == 2.0 and loc.course == 0 and loc.alarm == 1
    assert loc.ts == utc(2013, 4, 12, 8, 49, 52)
    pos = location_to_position(loc, "truck-07", "094027587492")
    assert pos.speed == pytest.approx(2.0 / 3.6)
    assert pos.attrs["alarm"] == 1 and pos.attrs["terminal"] == "094027587492"


def test_location_south_and_west_flags() -> None:
    loc = location_of(one(FRAME_BRAZIL))
    assert (loc.lat, loc.lon) == (-19.591535, -46.912186)
    assert loc.ts == utc(2015, 1, 1, 11, 42, 57)
    assert loc.mileage_km == pytest.approx(11.9)


def test_time_zone_is_configurable() -> None:
    deframer = Deframer()
    payload = deframer.feed(bytes.fromhex(FRAME_SHENZHEN))[0]
    msg = decode(payload, 0)  # a terminal whose clock runs on UTC
    assert isinstance(msg, Message) and isinstance(msg.body, Location)
    assert msg.body.ts == utc(2015, 8, 18, 7, 21, 21)


def test_batch_2019_header() -> None:
    msg = one(FRAME_2019_BATCH)
    h = msg.header
    assert (h.msg_id, h.version, h.phone, h.serial) == (0x0704, 1, "00000866496077582164", 0x881D)
    assert isinstance(msg.body, Batch)
    assert msg.body.kind == 0 and msg.body.bad_items == 0 and len(msg.body.locations) == 1
    loc = msg.body.locations[0]
    assert (loc.lat, loc.lon, loc.altitude, loc.course) == (-27.263378, 153.037383, 22, 2)
    assert loc.ts == utc(2026, 5, 9, 8, 42, 27)
    assert loc.satellites == 14 and loc.mileage_km == pytest.approx(960.2)


def test_batch_of_eight_blind_area() -> None:
    msg = one(FRAME_BATCH8)
    assert msg.header.phone == "013567777777"
    assert isinstance(msg.body, Batch)
    assert msg.body.kind == 1 and len(msg.body.locations) == 8
    first, last = msg.body.locations[0], msg.body.locations[-1]
    assert (first.lat, first.lon, first.altitude, first.course) == (22.639634, 114.031952, 370, 1)
    assert first.ts == utc(2016, 5, 27, 1, 6, 24)
    assert (last.lat, last.lon, last.altitude) == (22.64055, 114.032432, 264)
    assert last.ts == utc(2016, 5, 27, 1, 10, 2)
    for loc in msg.body.locations:
        assert_sane_position(location_to_position(loc, "v", msg.header.phone))


def test_registration_2013_with_gbk_plate() -> None:
    # province 0x002c = 44 (Guangdong), city 0x012f, maker "70111", model "BSJ-A6-BD",
    # terminal id "0567872", plate colour 1, plate d4c1 42 38 38 38 38 38 = GBK "粤B88888".
    msg = one("7e0100002d0141305678720024002c012f373031313142534a2d41362d424400000000000000000000"
              "003035363738373201d4c14238383838386d7e")
    assert msg.body == Registration(44, 303, "70111", "BSJ-A6-BD", "0567872", 1, "粤B88888")


def test_registration_2019() -> None:
    # props 0x405c: 2019, 92-byte body = 2+2+11+30+30+1 and 16 NULs of plate; model "MD300",
    # terminal id "866496077582164", plate colour 4.
    msg = one("7e0100405c010000086649607758216452180000000000000000000000000000004d443330300000"
              "00000000000000000000000000000000000000000000003836363439363037373538323136340000"
              "0000000000000000000000000004000000000000000000000000000000007a7e")
    assert msg.header.phone == "00000866496077582164" and msg.header.version == 1
    assert msg.body == Registration(0, 0, "", "MD300", "866496077582164", 4, "")


def test_authentication_and_heartbeat() -> None:
    auth = one("7E0102000E013511221122000661757468656E7469636174696F6E3F7E")
    assert auth.body == Authentication("authentication")
    beat = one("7e0002000004304832546500b7ca7e")
    assert (beat.header.msg_id, beat.header.phone, beat.header.serial) == (2, "043048325465", 183)
    assert beat.body is None


def test_published_frame_with_wrong_check_code_is_dropped() -> None:
    # In Traccar's suite (whose frame decoder does not verify check codes) this 0x0200 frame
    # ends in 0xd0, while the XOR of its bytes is 0xf0: we drop it and count it.
    deframer = Deframer()
    bad = ("7E02000032013511221122000700000000000C000301578CC006CA3A5C0047000000001407231720"
           "1501040000000030011631010BD07E")
    assert deframer.feed(bytes.fromhex(bad + FRAME_SHENZHEN)) != []
    assert deframer.bad_checksum == 1 and deframer.frames == 1
