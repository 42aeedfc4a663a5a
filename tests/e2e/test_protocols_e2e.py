"""End to end over loopback: a JT/T 808 terminal and an OsmAnd phone report to the real server,
and their positions show up on /ws/live and in /api/v1/devices."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway import jt808_encoder as enc
from gateway.jt808_decoder import decode
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import Location, Message
from tests import serverkit

PHONE = "013833501744"
BEIJING = timezone(timedelta(hours=8))


async def _answers(reader: asyncio.StreamReader, deframer: Deframer, n: int
                   ) -> list[tuple[int, bytes]]:
    frames: list[bytes] = []
    async with asyncio.timeout(10):
        while len(frames) < n:
            chunk = await reader.read(4096)
            assert chunk, "the server closed the connection"
            frames += deframer.feed(chunk)
    out = []
    for payload in frames:
        msg = decode(payload)
        assert isinstance(msg, Message) and isinstance(msg.body, bytes)
        out.append((msg.header.msg_id, msg.body))
    return out


async def jt808_session(port: int, ts: float) -> list[tuple[int, bytes]]:
    """Register, authenticate with the code the platform issued, report one fix."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    deframer = Deframer()
    try:
        writer.write(enc.register(PHONE, 1))
        answers = await _answers(reader, deframer, 1)
        code = answers[0][1][3:].decode()
        fix = Location(0, 0b11, 36.6012, 116.9034, 40, 18.0, 90, ts)
        writer.write(enc.authenticate(PHONE, 2, code) + enc.location(PHONE, 3, fix, BEIJING))
        answers += await _answers(reader, deframer, 2)
    finally:
        writer.close()
        await writer.wait_closed()
    return answers


async def live_positions(ws: aiohttp.ClientWebSocketResponse, devices: set[str]
                         ) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    async with asyncio.timeout(15):
        while not devices <= seen.keys():
            message = await ws.receive_json()
            if message.get("type") == "position":
                seen[message["device"]] = message
    return seen


async def test_jt808_terminal_and_osmand_phone_reach_live_and_devices(tmp_path: Path) -> None:
    ts = float(int(time.time()) - 5)
    async with serverkit.running_server(
            tmp_path, devices={"inspectors": ["insp-e2e"]},
            jt808={"terminals": {PHONE: "truck-e2e"}}) as srv:
        parts = srv.memory
        assert parts.jt808 is not None and parts.osmand is not None
        async with srv.http() as http, http.ws_connect(
                srv.ws_url("/ws/live", serverkit.SUPERVISOR)) as ws:
            answers = await jt808_session(parts.jt808.port, ts)
            assert answers[0][0] == 0x8100 and answers[0][1][2] == 0  # registered
            assert [a[1][-1] for a in answers[1:]] == [0, 0]  # auth and report acknowledged
            osmand = (f"http://127.0.0.1:{parts.osmand.port}/?id=insp-e2e&lat=36.6021"
                      f"&lon=116.9045&timestamp={int(ts)}&speed=2&bearing=180")
            async with aiohttp.ClientSession() as phone, phone.get(osmand) as resp:
                assert resp.status == 200
            live = await live_positions(ws, {"truck-e2e", "insp-e2e"})
            await srv.settle()
            async with http.get("/api/v1/devices") as resp:
                assert resp.status == 200
                devices = {d["device"]: d for d in await resp.json()}
    truck, phone_fix = live["truck-e2e"], live["insp-e2e"]
    assert (truck["lat"], truck["lon"], truck["ts"], truck["terminal"]) == (
        36.6012, 116.9034, ts, PHONE)
    assert truck["speed"] == pytest.approx(5.0) and truck["heading"] == 90.0
    assert (phone_fix["lat"], phone_fix["lon"], phone_fix["heading"]) == (36.6021, 116.9045,
                                                                           180.0)
    assert devices["truck-e2e"]["terminal"] == PHONE
    assert (devices["truck-e2e"]["lat"], devices["truck-e2e"]["lon"]) == (36.6012, 116.9034)
    assert (devices["insp-e2e"]["lat"], devices["insp-e2e"]["ts"]) == (36.6021, ts)
