"""The JT/T 808 listener over real TCP on loopback: a terminal's whole life, and bad behaviour."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta, timezone

import pytest

from config.protocols import Jt808Config
from gateway import jt808_encoder as enc
from gateway.jt808_decoder import decode
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import Location, Message
from gateway.jt808_server import Jt808Server
from model.position import Position
from tests.gateway.helpers import assert_sane_position

BEIJING = timezone(timedelta(hours=8))
PHONE = "013833501744"
RECENT = float(int(time.time()) - 60)  # inside the time rule (model/timewindow.py)
FIX = Location(0, 0b11, 30.5731, 104.0665, 500, 36.0, 270, RECENT)


class Collect:
    def __init__(self) -> None:
        self.positions: list[Position] = []
        self.fail = False

    async def __call__(self, positions: list[Position]) -> None:
        if self.fail:
            raise RuntimeError("pipeline full")
        self.positions.extend(positions)


class Terminal:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.deframer = Deframer()
        self.pending: list[bytes] = []

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answers(self, n: int) -> list[tuple[int, bytes]]:
        """(message id, body) of the next n platform frames."""
        async with asyncio.timeout(5):
            while len(self.pending) < n:
                chunk = await self.reader.read(4096)
                assert chunk, "connection closed"
                self.pending += self.deframer.feed(chunk)
        got, self.pending = self.pending[:n], self.pending[n:]
        out = []
        for payload in got:
            msg = decode(payload)
            assert isinstance(msg, Message) and isinstance(msg.body, bytes)
            out.append((msg.header.msg_id, msg.body))
        return out

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def ack(reply_serial: int, reply_id: int, result: int) -> tuple[int, bytes]:
    return 0x8001, reply_serial.to_bytes(2, "big") + reply_id.to_bytes(2, "big") + bytes((result,))


@pytest.fixture
def sink() -> Collect:
    return Collect()


@pytest.fixture
async def server(sink: Collect) -> AsyncIterator[Jt808Server]:
    cfg = Jt808Config(port=0, terminals={PHONE: "truck-07", "00000000013900000001": "van-2"})
    srv = Jt808Server(cfg, sink, known=lambda d: d in ("truck-07", "van-2"))
    await srv.start()
    yield srv
    await srv.stop()


async def connect(srv: Jt808Server) -> Terminal:
    return Terminal(*await asyncio.open_connection("127.0.0.1", srv.port))


async def test_register_authenticate_report_batch_heartbeat_logout(
        server: Jt808Server, sink: Collect) -> None:
    t = await connect(server)
    await t.send(enc.register(PHONE, 1, plate="川A12345"))
    [(msg_id, body)] = await t.answers(1)
    assert msg_id == 0x8100 and body[:3] == b"\x00\x01\x00"
    code = body[3:].decode()
    assert code == server.auth_code(PHONE)
    await t.send(enc.authenticate(PHONE, 2, code))
    assert await t.answers(1) == [ack(2, 0x0102, 0)]
    await t.send(enc.location(PHONE, 3, FIX, BEIJING))
    assert await t.answers(1) == [ack(3, 0x0200, 0)]
    later = FIX._replace(ts=FIX.ts + 30, lat=-FIX.lat)
    await t.send(enc.batch(PHONE, 4, [FIX._replace(ts=FIX.ts + 10), later], BEIJING, kind=1))
    await t.send(enc.heartbeat(PHONE, 5))
    await t.send(enc.logout(PHONE, 6))
    assert await t.answers(3) == [ack(4, 0x0704, 0), ack(5, 0x0002, 0), ack(6, 0x0003, 0)]
    await t.close()
    assert len(sink.positions) == 3
    first = sink.positions[0]
    assert (first.device, first.lat, first.lon, first.ts) == ("truck-07", 30.5731, 104.0665,
                                                              RECENT)
    assert first.speed == pytest.approx(10.0) and first.heading == 270.0
    assert first.attrs == {"terminal": PHONE, "alarm": 0, "status": 3, "protocol": "jt808",
                           "altitude": 500}
    assert sink.positions[2].lat == -30.5731
    for pos in sink.positions:
        assert_sane_position(pos)
    counts = server.counts
    assert (counts["registrations"], counts["authentications"], counts["positions"]) == (1, 1, 3)


async def test_split_merged_and_corrupt_frames_keep_the_connection(
        server: Jt808Server, sink: Collect) -> None:
    t = await connect(server)
    wire = b"".join(enc.location(PHONE, s, FIX._replace(ts=FIX.ts + s), BEIJING)
                    for s in range(1, 4))
    bad = bytearray(enc.location(PHONE, 9, FIX, BEIJING))
    bad[20] ^= 0x10  # corrupt a body byte: the check code no longer matches
    await t.send(wire[:17])
    await t.send(wire[17:50])
    await t.send(wire[50:] + bytes(bad) + b"noise")
    await t.send(enc.location(PHONE, 10, FIX._replace(ts=FIX.ts + 10), BEIJING))
    answers = await t.answers(4)
    assert [a[1][:2] for a in answers] == [b"\x00\x01", b"\x00\x02", b"\x00\x03", b"\x00\x0a"]
    assert server.counts["bad_checksum"] == 1 and len(sink.positions) == 4
    await t.close()


async def test_unknown_terminal_refused(server: Jt808Server, sink: Collect) -> None:
    t = await connect(server)
    stranger = "013999999999"
    await t.send(enc.register(stranger, 1))
    await t.send(enc.location(stranger, 2, FIX, BEIJING))
    answers = await t.answers(2)
    assert answers == [(0x8100, b"\x00\x01\x04"), ack(2, 0x0200, 1)]
    assert sink.positions == [] and server.counts["unknown_terminal"] == 2
    await t.close()


async def test_unauthenticated_known_terminal_may_report_2019_padding(
        server: Jt808Server, sink: Collect) -> None:
    # A 2019 terminal pads PHONE to 20 digits and reports without registering first.
    t = await connect(server)
    await t.send(enc.location("00000000" + PHONE, 1, FIX, BEIJING, version=1))
    # 2019 short number configured with 20 digits, terminal on a 2013 header
    await t.send(enc.location("013900000001", 2, FIX, BEIJING))
    assert await t.answers(2) == [ack(1, 0x0200, 0), ack(2, 0x0200, 0)]
    assert [p.device for p in sink.positions] == ["truck-07", "van-2"]
    await t.close()


async def test_unfixed_reports_acknowledged_not_tracked(server: Jt808Server,
                                                        sink: Collect) -> None:
    t = await connect(server)
    await t.send(enc.location(PHONE, 1, FIX._replace(status=0), BEIJING))
    assert await t.answers(1) == [ack(1, 0x0200, 0)]
    assert sink.positions == [] and server.counts["unfixed"] == 1
    await t.close()


async def test_sink_failure_answers_failure_so_the_terminal_resends(
        server: Jt808Server, sink: Collect) -> None:
    t = await connect(server)
    sink.fail = True
    await t.send(enc.location(PHONE, 1, FIX, BEIJING))
    assert await t.answers(1) == [ack(1, 0x0200, 1)]
    sink.fail = False
    await t.send(enc.location(PHONE, 1, FIX, BEIJING))
    assert await t.answers(1) == [ack(1, 0x0200, 0)]
    assert len(sink.positions) == 1
    await t.close()


async def test_malformed_message_gets_message_wrong(server: Jt808Server) -> None:
    t = await connect(server)
    zero_time = enc.message(0x0200, PHONE, 1, enc.location_body(FIX, BEIJING)[:22] + bytes(6))
    await t.send(zero_time)
    await t.send(enc.message(0x0900, PHONE, 2, b"\x41passthrough"))  # not used: still answered
    assert await t.answers(2) == [ack(1, 0x0200, 2), ack(2, 0x0900, 0)]
    assert server.counts["malformed"] == 1
    await t.close()


async def test_auto_register_and_strict_auth(sink: Collect) -> None:
    """With auth_secret set, reports on a connection that never authenticated with the issued
    code are refused (0x8001 result 1: the terminal authenticates and resends)."""
    cfg = Jt808Config(port=0, auto_register=True, auth_secret="s3cret")
    srv = Jt808Server(cfg, sink, known=lambda d: True)  # a tracker that registers anyone
    await srv.start()
    try:
        t = await connect(srv)
        await t.send(enc.register("013700000042", 1))
        [(_, body)] = await t.answers(1)
        assert body[2] == 0
        await t.send(enc.location("013700000042", 2, FIX, BEIJING))
        await t.send(enc.batch("013700000042", 3, [FIX], BEIJING))
        await t.send(enc.authenticate("013700000042", 4, "wrong"))
        await t.send(enc.location("013700000042", 5, FIX, BEIJING))
        assert await t.answers(4) == [ack(2, 0x0200, 1), ack(3, 0x0704, 1), ack(4, 0x0102, 1),
                                      ack(5, 0x0200, 1)]
        assert sink.positions == [] and srv.counts["unauthenticated"] == 3
        # Authentication and a report in one write: the report counts as authenticated.
        await t.send(enc.authenticate("013700000042", 6, body[3:].decode())
                     + enc.location("013700000042", 7, FIX, BEIJING))
        assert await t.answers(2) == [ack(6, 0x0102, 0), ack(7, 0x0200, 0)]
        assert [p.device for p in sink.positions] == ["013700000042"]
        await t.close()
    finally:
        await srv.stop()


async def test_idle_connection_closed_and_stop_ends_connections(sink: Collect) -> None:
    srv = Jt808Server(Jt808Config(port=0, idle_timeout_s=0.05), sink, known=lambda d: True)
    await srv.start()
    t = await connect(srv)
    async with asyncio.timeout(5):
        assert await t.reader.read() == b""  # the server hung up on the silent terminal
    t2 = await connect(srv)
    await srv.stop()
    async with asyncio.timeout(5):
        assert await t2.reader.read() == b""
    assert srv.counts["connections"] == 2 and srv.active == 0
    await t.close()
    await t2.close()
