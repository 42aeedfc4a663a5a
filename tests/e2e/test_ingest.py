"""JSON ingest over the wire: answers, per-item rejection, limits, tokens."""

from __future__ import annotations

import asyncio
import io
import re
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.serverkit import DEVICE, SUPERVISOR, RunningServer, running_server

NOW = time.time()


def inspector(srv: RunningServer) -> str:
    return str(srv.server.city.grids[0].inspectors[0])


def on_city(srv: RunningServer, device: str, ts: float, **over: Any) -> dict[str, Any]:
    """A fix on the city's first road, 10 m from its start."""
    lon, lat = srv.tracker.ctx.index.road_point(0, 10.0)
    return {"device": device, "ts": ts, "lat": lat, "lon": lon, **over}


async def test_single_list_and_batch_bodies(srv: RunningServer) -> None:
    dev = inspector(srv)
    async with srv.http(DEVICE) as http:
        for body, n in ((on_city(srv, dev, NOW - 30), 1),
                        ([on_city(srv, dev, NOW - 29), on_city(srv, dev, NOW - 28)], 2),
                        ({"positions": [on_city(srv, dev, NOW - 27)]}, 1)):
            async with http.post("/api/v1/positions", json=body) as resp:
                assert resp.status == 200
                assert await resp.json() == {"accepted": n, "rejected": []}
    await srv.settle()
    async with srv.http() as http, http.get("/api/v1/devices") as resp:
        devices = {d["device"]: d for d in await resp.json()}
    assert devices[dev]["ts"] == pytest.approx(NOW - 27)


async def test_bad_items_are_rejected_with_index_and_neighbours_kept(srv: RunningServer) -> None:
    dev = inspector(srv)
    body = [on_city(srv, dev, NOW - 20), on_city(srv, dev, NOW - 19, lat="north"),
            {"device": dev}, on_city(srv, "nobody-knows-me", NOW - 18),
            on_city(srv, dev, NOW + 86_400), on_city(srv, dev, NOW - 17)]
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=body) as resp:
        answer = await resp.json()
    assert answer["accepted"] == 2
    assert [r["index"] for r in answer["rejected"]] == [1, 2, 3, 4]
    reasons = [r["error"] for r in answer["rejected"]]
    assert "lat" in reasons[0] and "ts" in reasons[1]
    assert "unknown device" in reasons[2] and "future" in reasons[3]


@pytest.mark.parametrize(("data", "ctype", "reason"), [
    (b"{not json", "application/json", "malformed JSON"),
    (b'"a string"', "application/json", "body must be"),
    (b'{"positions": 5}', "application/json", "positions must be a list"),
])
async def test_malformed_bodies_get_400(srv: RunningServer, data: bytes, ctype: str,
                                        reason: str) -> None:
    async with srv.http(DEVICE) as http, http.post(
            "/api/v1/positions", data=data, headers={"Content-Type": ctype}) as resp:
        assert resp.status == 400
        assert reason in (await resp.json())["error"]


async def test_huge_bodies_get_413_and_the_server_goes_on(srv: RunningServer) -> None:
    limit = srv.server.cfg.gateway.max_body_bytes
    async with srv.http(DEVICE) as http:
        async with http.post("/api/v1/positions",
                             data=io.BytesIO(b"[" + b" " * (limit + 10) + b"]"),
                             headers={"Content-Type": "application/json"}) as resp:
            assert resp.status == 413
        async with http.post("/api/v1/positions",
                             json=on_city(srv, inspector(srv), NOW - 5)) as resp:
            assert resp.status == 200


async def test_tokens_and_roles(srv: RunningServer) -> None:
    body = on_city(srv, inspector(srv), NOW - 5)
    async with aiohttp.ClientSession(srv.base) as http:
        async with http.post("/api/v1/positions", json=body) as resp:
            assert resp.status == 401
        async with http.post("/api/v1/positions", json=body,
                             headers={"Authorization": "Bearer wrong-token-xyz"}) as resp:
            assert resp.status == 401
        async with http.post("/api/v1/positions", json=body, headers=srv.headers(SUPERVISOR)) \
                as resp:
            assert resp.status == 403
        async with http.get("/api/v1/alerts", headers=srv.headers(DEVICE)) as resp:
            assert resp.status == 403


async def test_every_endpoint_checks_its_token(srv: RunningServer) -> None:
    """Each route in the app refuses a request without a token (the page shell excepted)."""
    checked = 0
    assert srv.server.app is not None
    async with aiohttp.ClientSession(srv.base) as http:
        for resource in srv.server.app.router.resources():
            info = resource.get_info()
            path = info.get("path") or info.get("formatter")
            if path in (None, "/") or str(path).startswith("/static"):
                continue
            url = re.sub(r"\{[^}]+\}", "x1", str(path))
            for route in resource:
                if route.method == "HEAD":
                    continue
                async with http.request(route.method, url) as resp:
                    assert resp.status == 401, (route.method, url)
                    checked += 1
    assert checked >= 14


async def test_openapi_describes_every_route(srv: RunningServer) -> None:
    async with srv.http() as http, http.get("/api/v1/openapi.json") as resp:
        doc = await resp.json()
    documented = set(doc["paths"])
    assert srv.server.app is not None
    for resource in srv.server.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path is None or str(path).startswith("/static"):
            continue
        assert str(path) in documented, path


async def test_http_rate_limit_answers_429(tmp_path: Path) -> None:
    async with running_server(tmp_path, gateway={"rate_messages_per_s": 1.0,
                                                 "rate_burst": 3.0}) as srv:
        dev = inspector(srv)
        statuses = []
        async with srv.http(DEVICE) as http:
            for n in range(6):
                async with http.post("/api/v1/positions",
                                     json=on_city(srv, dev, NOW - 60 + n)) as resp:
                    statuses.append(resp.status)
                    if resp.status == 429:
                        assert int(resp.headers["Retry-After"]) >= 1
        assert statuses[:3] == [200, 200, 200]
        assert 429 in statuses[3:]


async def test_device_websocket_answers_each_message(srv: RunningServer) -> None:
    dev = inspector(srv)
    async with aiohttp.ClientSession() as http, http.ws_connect(
            srv.ws_url("/ws/device", DEVICE)) as ws:
        await ws.send_str(orjson.dumps(on_city(srv, dev, NOW - 9)).decode())
        assert orjson.loads((await ws.receive()).data) == {"accepted": 1, "rejected": []}
        await ws.send_str(orjson.dumps([on_city(srv, dev, NOW - 8),
                                        on_city(srv, dev, NOW - 7, lon=500)]).decode())
        answer = orjson.loads((await ws.receive()).data)
        assert answer["accepted"] == 1 and answer["rejected"][0]["index"] == 1
        await ws.send_str("{broken")
        assert "malformed JSON" in orjson.loads((await ws.receive()).data)["error"]
        await ws.send_str(orjson.dumps(on_city(srv, dev, NOW - 6)).decode())
        assert orjson.loads((await ws.receive()).data)["accepted"] == 1


async def test_device_websocket_answers_in_order_when_messages_do_not_wait(
        srv: RunningServer) -> None:
    """A handset may send on without waiting: each message still gets its own answer, in the
    order sent, bad ones included, and every position is tracked."""
    dev = inspector(srv)
    sizes = [1, 3, 0, 2, 5, 4]  # 0: a malformed message
    async with aiohttp.ClientSession() as http, http.ws_connect(
            srv.ws_url("/ws/device", DEVICE)) as ws:
        ts = NOW - 100
        for size in sizes:
            if size == 0:
                await ws.send_str("[{broken")
                continue
            await ws.send_str(orjson.dumps([on_city(srv, dev, ts + k) for k in range(size)])
                              .decode())
            ts += size
        answers = [orjson.loads((await ws.receive()).data) for _ in sizes]
    assert [a.get("accepted") for a in answers] == sizes
    assert "malformed JSON" in answers[2]["error"]
    await srv.settle()
    async with srv.http() as http, http.get("/api/v1/devices") as resp:
        (row,) = [d for d in await resp.json() if d["device"] == dev]
    assert row["ts"] == NOW - 100 + sum(sizes) - 1


async def test_device_websocket_needs_a_device_token(srv: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(srv.ws_url("/ws/device"))
        assert info.value.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(srv.ws_url("/ws/device", SUPERVISOR))
        assert info.value.status == 403


async def test_oversized_websocket_message_closes_only_that_socket(tmp_path: Path) -> None:
    async with running_server(tmp_path, gateway={"max_body_bytes": 4096}) as srv:
        dev = inspector(srv)
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(srv.ws_url("/ws/device", DEVICE)) as big, \
                http.ws_connect(srv.ws_url("/ws/device", DEVICE)) as good:
            await big.send_str("[" + " " * 10_000 + "]")
            msg = await big.receive()
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert big.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
            await good.send_str(orjson.dumps(on_city(srv, dev, NOW - 3)).decode())
            assert orjson.loads((await good.receive()).data)["accepted"] == 1


async def test_a_flooding_socket_is_told_then_closed_and_others_go_on(tmp_path: Path) -> None:
    async with running_server(tmp_path, gateway={"rate_messages_per_s": 5.0, "rate_burst": 5.0,
                                                 "flood_close_after": 20}) as srv:
        dev = inspector(srv)
        async with aiohttp.ClientSession() as http, \
                http.ws_connect(srv.ws_url("/ws/device", DEVICE)) as flood, \
                http.ws_connect(srv.ws_url("/ws/device", DEVICE)) as good:
            message = orjson.dumps(on_city(srv, dev, NOW - 100)).decode()
            for _ in range(40):
                await flood.send_str(message)
            answers = []
            async for msg in flood:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                answers.append(orjson.loads(msg.data))
            assert any(a.get("error") == "rate limit exceeded" for a in answers)
            assert flood.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
            await good.send_str(orjson.dumps(on_city(srv, dev, NOW - 50)).decode())
            assert orjson.loads((await good.receive()).data)["accepted"] == 1


async def test_half_a_request_that_stalls_blocks_nobody_and_gets_408(tmp_path: Path) -> None:
    async with running_server(tmp_path, gateway={"body_timeout_s": 1.0}) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.server.port)
        writer.write(b"POST /api/v1/positions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     + DEVICE.encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 500\r\n\r\n[{\"device\": ")
        await writer.drain()
        try:
            async with srv.http(DEVICE) as http, http.post(
                    "/api/v1/positions", json=on_city(srv, inspector(srv), NOW - 2)) as resp:
                assert resp.status == 200
                assert (await resp.json())["accepted"] == 1
            async with asyncio.timeout(10):
                status_line = await reader.readline()
            assert status_line.startswith(b"HTTP/1.1 408")
        finally:
            writer.close()
