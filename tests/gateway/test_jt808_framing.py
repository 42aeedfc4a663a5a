"""The de-framer copes with whatever TCP reads deliver: split, merged, corrupt or junk."""

from __future__ import annotations

from datetime import UTC

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import jt808_encoder as enc
from gateway.jt808_framing import Deframer, escape, frame, unescape, xor_check
from gateway.jt808_messages import Location

PHONE = "013833501744"


def report(serial: int, lat: float = 30.5) -> bytes:
    return enc.location(PHONE, serial, Location(0, 2, lat, 114.3, 20, 18.0, 90, 1.7e9), UTC)


def test_traccar_escape_sample() -> None:
    # traccar/traccar src/test/java/org/traccar/protocol/Jt808FrameDecoderTest.java:
    # 7e 30 7d02 08 7d01 55 7e unescapes to 30 7e 08 7d 55.
    assert unescape(bytes.fromhex("307d02087d0155")) == bytes.fromhex("307e087d55")
    assert escape(bytes.fromhex("307e087d55")) == bytes.fromhex("307d02087d0155")


def test_xor_check_matches_a_byte_loop() -> None:
    for data in (b"", b"\x01", bytes(range(256)), b"\xff" * 7, bytes(range(3, 90, 7))):
        expected = 0
        for b in data:
            expected ^= b
        assert xor_check(data) == expected


def test_frame_split_at_every_byte() -> None:
    wire = report(1) + report(2)
    for cut in range(len(wire) + 1):
        d = Deframer()
        got = d.feed(wire[:cut]) + d.feed(wire[cut:])
        assert len(got) == 2 and d.pending <= 1, cut  # a closing flag may be kept


def test_one_byte_at_a_time_and_merged_reads() -> None:
    wire = b"".join(report(i) for i in range(5))
    d = Deframer()
    trickled = [f for b in wire for f in d.feed(bytes((b,)))]
    merged = Deframer().feed(wire)
    assert len(trickled) == 5 and trickled == merged


def test_escaped_bytes_survive() -> None:
    payload = bytes.fromhex("0200000001383350174400") + b"\x7e\x7d\x7e\x7d\x02\x01"
    wire = frame(payload)
    assert wire.count(b"\x7e") == 2  # only the delimiters
    assert Deframer().feed(wire) == [payload]


def test_bad_check_code_dropped_and_counted_stream_continues() -> None:
    bad = bytearray(report(2))
    bad[-2] ^= 0x01  # flip a bit of the check code (never 7d/7e here: checked below)
    assert bad[-2] not in (0x7D, 0x7E)
    d = Deframer()
    got = d.feed(report(1) + bytes(bad) + report(3))
    assert len(got) == 2 and d.bad_checksum == 1


def test_frames_sharing_one_flag() -> None:
    a, b = report(1), report(2)
    assert len(Deframer().feed(a + b[1:])) == 2


def test_garbage_before_between_and_after_frames() -> None:
    d = Deframer()
    got = d.feed(b"GET / HTTP/1.1\r\n" + report(1) + b"\x00\x01junk" + report(2) + b"tail")
    assert len(got) == 2 and d.garbage_bytes > 0


def test_joining_mid_frame_resynchronises() -> None:
    wire = report(1) + report(2)
    d = Deframer()
    got = d.feed(wire[10:])  # connected (or buffered) halfway through the first frame
    assert len(got) == 1 and got[0] == Deframer().feed(report(2))[0]


def test_bad_escape_and_short_frames_counted() -> None:
    d = Deframer()
    d.feed(b"\x7e\x01\x7d\x05\x02\x7e" + b"\x7e\x01\x02\x7e")
    assert d.bad_escape == 1 and d.too_short == 1 and d.frames == 0


def test_buffer_is_bounded_without_delimiters() -> None:
    d = Deframer(max_frame=256)
    for _ in range(100):
        d.feed(b"\x7e" + b"\x11" * 1000)
    assert d.pending <= 256 + 1001 and d.oversize > 0
    assert len(d.feed(report(1))) == 1  # and it still works afterwards


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12))
def test_fuzz_random_reads_never_raise(chunks: list[bytes]) -> None:
    d = Deframer(max_frame=512)
    for chunk in chunks:
        for payload in d.feed(chunk):
            assert xor_check(payload[:-1]) is not None
    assert d.pending <= 512 + max((len(c) for c in chunks), default=0) + 1


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.binary(max_size=40),
       st.lists(st.integers(min_value=1, max_value=64), max_size=8))
def test_fuzz_truncated_then_good_frame_still_decodes(cut: int, junk: bytes,
                                                      sizes: list[int]) -> None:
    good = report(7, lat=31.25)
    wire = report(6)[:cut] + junk + good
    d = Deframer()
    got: list[bytes] = []
    pos = 0
    for size in [*sizes, len(wire)]:
        got += d.feed(wire[pos:pos + size])
        pos += size
    assert Deframer().feed(good)[0] in got
