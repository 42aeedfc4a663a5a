"""/ws/live: subscriptions by grid and type, and slow clients that must never slow ingest."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.serverkit import DEVICE, SUPERVISOR, RunningServer, running_server

NOW = time.time() - 86_400


def grid_fix(srv: RunningServer, grid: int, ts: float) -> dict[str, Any]:
    """A fix on a road of the grid, from the grid's first inspector."""
    index = srv.tracker.ctx.index
    city = srv.server.city
    road = next(i for i, r in enumerate(city.roads) if r.grid == city.grids[grid].id)
    lon, lat = index.road_point(road, 5.0 + (ts % 50))
    return {"device": city.grids[grid].inspectors[0], "ts": ts, "lat": lat, "lon": lon}


async def post(srv: RunningServer, body: Any) -> dict[str, Any]:
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=body) as resp:
        assert resp.status == 200
        answer: dict[str, Any] = await resp.json()
        return answer


async def receive_json(ws: aiohttp.ClientWebSocketResponse, wait_s: float = 5.0) -> Any:
    msg = await ws.receive(timeout=wait_s)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return orjson.loads(msg.data)


async def test_subscription_by_grid_and_type(srv: RunningServer) -> None:
    city = srv.server.city
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(srv.ws_url("/ws/live", SUPERVISOR)) as ws:
        await ws.send_str(orjson.dumps({"subscribe": {"grids": [city.grids[1].id],
                                                      "types": ["position"]}}).decode())
        ack = await receive_json(ws)
        assert ack == {"type": "subscribed", "grids": [city.grids[1].id],
                       "types": ["position"], "batch": False}
        await post(srv, [grid_fix(srv, 0, NOW), grid_fix(srv, 1, NOW + 1)])
        event = await receive_json(ws)
        assert event["type"] == "position"
        assert event["device"] == city.grids[1].inspectors[0]
        assert event["grid"] == city.grids[1].id
        await post(srv, [grid_fix(srv, 0, NOW + 2)])
        await post(srv, [grid_fix(srv, 1, NOW + 3)])
        event = await receive_json(ws)
        assert event["ts"] == NOW + 3  # grid 0's fix in between was never sent


async def test_batch_mode_sends_arrays(srv: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(srv.ws_url("/ws/live", SUPERVISOR)) as ws:
        await ws.send_str('{"subscribe": {"types": ["position"], "batch": true}}')
        assert (await receive_json(ws))["batch"] is True
        await post(srv, [grid_fix(srv, 0, NOW), grid_fix(srv, 1, NOW + 1)])
        events = await receive_json(ws)
        assert isinstance(events, list)
        assert [e["ts"] for e in events] == [NOW, NOW + 1]


@pytest.mark.parametrize(("message", "reason"), [
    ("not json", "subscribe"), ('{"subscribe": {"types": ["weather"]}}', "unknown types"),
    ('{"subscribe": {"grids": "g1"}}', "grids must be a list"),
])
async def test_bad_subscriptions_are_answered_and_the_socket_lives(
        srv: RunningServer, message: str, reason: str) -> None:
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(srv.ws_url("/ws/live", SUPERVISOR)) as ws:
        await ws.send_str(message)
        answer = await receive_json(ws)
        assert answer["type"] == "error" and reason in answer["error"]
        await ws.send_str('{"subscribe": {"types": ["alert"]}}')
        assert (await receive_json(ws))["type"] == "subscribed"


async def test_live_needs_a_supervisor_token(srv: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        for token, status in ((None, 401), ("nonsense-token-1", 401), (DEVICE, 403)):
            with pytest.raises(aiohttp.WSServerHandshakeError) as info:
                await http.ws_connect(srv.ws_url("/ws/live", token))
            assert info.value.status == status


async def test_a_stuck_client_is_dropped_and_ingest_never_waits(tmp_path: Path) -> None:
    async with running_server(tmp_path, live={"client_queue": 50}) as srv, \
            aiohttp.ClientSession() as http, \
            http.ws_connect(srv.ws_url("/ws/live", SUPERVISOR), autoclose=False) as stuck, \
            http.ws_connect(srv.ws_url("/ws/live", SUPERVISOR)) as healthy:
        await healthy.send_str('{"subscribe": {"types": ["position"], "batch": true}}')
        assert (await receive_json(healthy))["type"] == "subscribed"
        seen: list[float] = []

        async def read_healthy() -> None:
            while len(seen) < 40_000:
                seen.extend(e["ts"] for e in await receive_json(healthy, 30))

        reader = asyncio.create_task(read_healthy())
        # The stuck client reads nothing while 40,000 events are published.
        started = time.perf_counter()
        for batch in range(20):
            body = [grid_fix(srv, n % 2, NOW + batch * 2_000 + n) for n in range(2_000)]
            answer = await post(srv, body)
            assert answer == {"accepted": 2_000, "rejected": []}
        await srv.settle()
        assert time.perf_counter() - started < 60
        await asyncio.wait_for(reader, 30)
        assert seen == [NOW + n for n in range(40_000)]
        assert srv.server.parts.hub.dropped_total == 1
        # The stuck one, once it reads, finds the reason and the close code.
        last: Any = None
        while True:
            msg = await stuck.receive(timeout=10)
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            last = orjson.loads(msg.data)
        assert last is not None and last["type"] == "error" and "too slow" in last["error"]
        assert stuck.close_code == 4008
