"""Issue 13's edges against the real server on loopback: one time rule on every protocol, bad
input answered 4xx, one id rule for ingest and API, security headers, tokens kept out of logs
and error bodies, gateway counters on /metrics, devices listed at their first fix."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from gateway import jt808_encoder as enc
from gateway.jt808_framing import Deframer
from gateway.jt808_messages import Location
from geofence.crs import to_wgs84
from server import DEMO_CITY
from tests.e2e.test_protocols_e2e import _answers
from tests.serverkit import DEVICE, SUPERVISOR, RunningServer, running_server

PHONE = "013833501744"
BEIJING = timezone(timedelta(hours=8))
SPOT = (36.6012, 116.9034)
FUTURE = time.time() + 70 * 365 * 86_400.0  # 2096
PAST = time.time() - 30 * 86_400.0  # older than keep_days (7)


async def jt808_report(port: int, ts: float, serial: int = 1) -> int:
    """One location report from a mapped terminal; the 0x8001 result."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        fix = Location(0, 0b11, SPOT[0], SPOT[1], 40, 18.0, 90, float(int(ts)))
        writer.write(enc.location(PHONE, serial, fix, BEIJING))
        [(msg_id, body)] = await _answers(reader, Deframer(), 1)
        assert msg_id == 0x8001
        return body[4]
    finally:
        writer.close()
        await writer.wait_closed()


async def clock_of(srv: RunningServer) -> float:
    async with srv.http() as http, http.get("/healthz") as resp:
        return float((await resp.json())["clock"])


async def devices(srv: RunningServer) -> dict[str, dict[str, Any]]:
    async with srv.http() as http, http.get("/api/v1/devices") as resp:
        return {row["device"]: row for row in await resp.json()}


@pytest.mark.parametrize("when", [FUTURE, PAST], ids=["2096", "30-days-ago"])
async def test_one_time_rule_on_every_protocol_under_the_data_clock(
        tmp_path: Path, when: float) -> None:
    terminals = {"terminals": {PHONE: "truck-07"}}
    async with running_server(tmp_path, server={"clock": "data"}, jt808=terminals) as srv:
        good = time.time() - 60
        async with srv.http(DEVICE) as http:
            async with http.post("/api/v1/positions", json={
                    "device": "p-g1-a", "ts": good, "lat": SPOT[0], "lon": SPOT[1]}) as resp:
                assert (await resp.json())["accepted"] == 1
            await srv.settle()
            before = await clock_of(srv)
            bad = {"device": "p-g1-b", "ts": when, "lat": SPOT[0], "lon": SPOT[1]}
            async with http.post("/api/v1/positions", json=bad) as resp:
                answer = await resp.json()
                assert answer["accepted"] == 0 and answer["rejected"][0]["index"] == 0
                reason = answer["rejected"][0]["error"]
                assert ("future" in reason) if when > good else ("keep_days" in reason)
            async with http.ws_connect(srv.ws_url("/ws/device", DEVICE)) as ws:
                await ws.send_str(orjson.dumps(bad).decode())
                assert (await ws.receive_json())["accepted"] == 0
        osmand = srv.osmand.port
        stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{osmand}/?id=p-g1-b&lat={SPOT[0]}&lon={SPOT[1]}"
                f"&timestamp={stamp}") as resp:
            assert resp.status == 400
        assert await jt808_report(srv.jt808.port, when) == 2  # message wrong
        await srv.settle()
        assert await clock_of(srv) == before
        shown = await devices(srv)
        assert "p-g1-b" not in shown and "truck-07" not in shown
        async with srv.http() as http, http.get("/api/v1/alerts") as resp:
            assert await resp.json() == []
        counts = srv.osmand.counts, srv.jt808.counts
        assert [c["positions_refused"] for c in counts] == [1, 1]


async def test_journal_replay_skips_and_reports_bad_lines(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A journal holding a fix dated 2096 (written before the rule) and a torn line: the
    replay skips both, says so, and the data clock stays at the good fix."""
    good = time.time() - 120
    folder = tmp_path / "data" / "journal"
    folder.mkdir(parents=True)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    rows = [["p-g1-a", good, SPOT[0], SPOT[1], None, None, None, None]]
    lines = [orjson.dumps({"t": good, "p": rows}),
             orjson.dumps({"t": good, "p": [["p-g1-a", FUTURE, SPOT[0], SPOT[1], None, None,
                                              None, None]]}),
             b'{"t": 1, "p": [["torn']
    (folder / f"positions-{day}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with caplog.at_level(logging.WARNING):
        async with running_server(tmp_path, server={"clock": "data"}) as srv:
            assert await clock_of(srv) == good
            assert "p-g1-a" in await devices(srv)
    text = caplog.text
    assert "skipped 1 positions: ts in the future" in text
    assert "skipped 1 unreadable lines" in text


async def test_deep_nesting_is_a_400_and_the_device_socket_answers(srv: RunningServer) -> None:
    deep = b'{"positions": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    async with srv.http(DEVICE) as http:
        async with http.post("/api/v1/positions", data=deep,
                             headers={"Content-Type": "application/json"}) as resp:
            assert resp.status == 400 and "nested" in (await resp.json())["error"]
        async with http.ws_connect(srv.ws_url("/ws/device", DEVICE)) as ws:
            await ws.send_bytes(deep)
            answer = await ws.receive_json()
            assert answer["accepted"] == 0 and "nested" in answer["error"]
            await ws.send_str(orjson.dumps({"device": "p-g1-a", "ts": time.time() - 5,
                                            "lat": SPOT[0], "lon": SPOT[1]}).decode())
            assert (await ws.receive_json())["accepted"] == 1


async def test_one_id_rule_for_ingest_and_the_tracks_api(tmp_path: Path) -> None:
    async with running_server(tmp_path, devices={"auto_register": True}) as srv:
        now = time.time() - 30
        ids = ["trailing ", "cafe\u0301", "a/b", "rlo\u202eevil", "zero\u200bwidth", "bell\x07",
               "x" * 65]
        body = [{"device": d, "ts": now, "lat": SPOT[0], "lon": SPOT[1]} for d in ids]
        async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=body) as resp:
            answer = await resp.json()
        assert answer["accepted"] == 2
        assert [r["index"] for r in answer["rejected"]] == [2, 3, 4, 5, 6]
        await srv.settle()
        assert {"trailing", "caf\u00e9"} <= set(await devices(srv))
        async with srv.http() as http:
            for name in ("trailing", "caf\u00e9", "cafe\u0301", "%20trailing%20"):
                async with http.get(f"/api/v1/tracks/{name}") as resp:
                    assert resp.status == 200, name
                    assert len((await resp.json())["properties"]["times"]) == 1
            async with http.get("/api/v1/tracks/rlo%E2%80%AEevil") as resp:
                assert resp.status == 400 and "202E" in (await resp.json())["error"]


async def test_security_headers_and_long_static_names(srv: RunningServer) -> None:
    async with aiohttp.ClientSession(srv.base) as http:
        for path in ("/", "/static/index.html"):
            async with http.get(path) as resp:
                assert resp.status == 200 and resp.content_type == "text/html"
                csp = resp.headers["Content-Security-Policy"]
                assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
                assert resp.headers["X-Content-Type-Options"] == "nosniff"
                assert resp.headers["Cache-Control"] == "no-store"
        async with http.get("/static/app.js") as resp:
            assert resp.status == 200 and resp.headers["X-Content-Type-Options"] == "nosniff"
        for name in ("a" * 300, "b" * 256 + "/c", "../server.py", ".hidden", "%2e%2e/x"):
            async with http.get("/static/" + name) as resp:
                assert resp.status == 404, name
        async with http.get("/api/v1/devices") as resp:  # no token: 401, headers all the same
            assert resp.status == 401 and resp.headers["Cache-Control"] == "no-store"
    async with srv.http() as http:
        for path in ("/api/v1/devices", "/healthz", "/api/v1/roads/compliance"):
            async with http.get(path) as resp:
                assert resp.status == 200
                assert resp.headers["Cache-Control"] == "no-store"
                assert resp.headers["X-Content-Type-Options"] == "nosniff"
                assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


async def test_a_token_in_a_malformed_request_line_is_never_echoed_or_logged(
        srv: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    secret = SUPERVISOR
    with caplog.at_level(logging.DEBUG):
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.server.port)
        writer.write(f"GET /ws/live?token={secret} HTTP/1.1 junk\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        async with asyncio.timeout(10):
            answer = await reader.read()
        writer.close()
        await writer.wait_closed()
    assert answer.split(b"\r\n")[0].endswith(b" 400 Bad Request")
    assert secret.encode() not in answer and b"token=***" in answer
    assert secret not in caplog.text


async def test_protocol_counters_reach_metrics_and_devices_show_while_held(
        tmp_path: Path) -> None:
    """OsmAnd and JT/T 808 counters are on /metrics; a device is listed as soon as its first
    fix is accepted, while the fix still waits in a (long) reorder window."""
    async with running_server(tmp_path, jt808={"terminals": {PHONE: "truck-07"}},
                              patrol={"reorder_window_s": 600}) as srv:
        now = time.time() - 10
        osmand = srv.osmand.port
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{osmand}/?id=p-g1-a&lat={SPOT[0]}&lon={SPOT[1]}"
                f"&timestamp={int(now)}") as resp:
            assert resp.status == 200
        assert await jt808_report(srv.jt808.port, now) == 0
        await srv.settle()
        shown = await devices(srv)
        assert shown["p-g1-a"]["held"] == 1 and shown["truck-07"]["held"] == 1
        async with srv.http() as http, http.get("/metrics") as resp:
            text = await resp.text()
        for line in ('gridwatch_gateway_events_total{transport="osmand",what="positions"} 1.0',
                     'gridwatch_gateway_events_total{transport="jt808",what="positions"} 1.0',
                     'gridwatch_positions_received_total{transport="osmand"} 1.0',
                     'gridwatch_positions_received_total{transport="jt808"} 1.0'):
            assert line in text, line


async def test_every_protocol_converts_gcj02_and_auto_registered_terminals_are_kept(
        tmp_path: Path) -> None:
    """The gateway base gives OsmAnd and JT/T 808 the converter JSON ingest had; with both
    auto_register keys set, an unmapped terminal is told "registered" and its report is kept
    (with [jt808] alone the server now refuses to start: tests/e2e/test_newcomer.py)."""
    city = tmp_path / "city"
    shutil.copytree(DEMO_CITY, city)
    toml = (city / "city.toml").read_text(encoding="utf-8")
    (city / "city.toml").write_text(toml.replace('"wgs84"', '"gcj02"'), encoding="utf-8")
    async with running_server(tmp_path, city=city, devices={"auto_register": True},
                              jt808={"auto_register": True}) as srv:
        now = time.time() - 10
        osmand = srv.osmand.port
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{osmand}/?id=phone-1&lat={SPOT[0]}&lon={SPOT[1]}"
                f"&timestamp={int(now)}") as resp:
            assert resp.status == 200
        stranger = "013700000042"
        reader, writer = await asyncio.open_connection("127.0.0.1",
                                                       srv.jt808.port)
        try:
            writer.write(enc.register(stranger, 1))
            [(_, body)] = await _answers(reader, Deframer(), 1)
            assert body[2] == 0  # registered
            fix = Location(0, 0b11, SPOT[0], SPOT[1], 40, 18.0, 90, float(int(now)))
            writer.write(enc.location(stranger, 2, fix, BEIJING))
            [(_, body)] = await _answers(reader, Deframer(), 1)
            assert body[4] == 0
        finally:
            writer.close()
            await writer.wait_closed()
        await srv.settle()
        shown = await devices(srv)
        lon, lat = to_wgs84([SPOT[1]], [SPOT[0]], "gcj02")
        for device in ("phone-1", stranger):
            assert shown[device]["lat"] == pytest.approx(float(lat[0]), abs=1e-9)
            assert shown[device]["lon"] == pytest.approx(float(lon[0]), abs=1e-9)
        assert abs(shown["phone-1"]["lon"] - SPOT[1]) > 1e-3  # it moved: hundreds of metres
