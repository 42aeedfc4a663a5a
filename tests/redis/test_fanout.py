"""Over Redis, live events and alerts reach every web process, and a gateway that cannot reach
Redis says so (503 with Retry-After, a WebSocket error answer, OsmAnd's 503) instead of dropping
anything; the web process answers 503 too until Redis is back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from geofence.city import load_city
from server import DEMO_CITY
from simulator.wire import LiveListener, connect
from tests.redis.cluster import LocalCluster
from tests.redisproc import free_port
from tests.serverkit import DEVICE, SUPERVISOR

pytestmark = pytest.mark.slow

T0 = 1795140000.0  # 2026-11-20 10:00 in the demo city, inside the patrol window


def spot() -> tuple[float, float]:
    """The middle of a road of grid g1, whose inspector p-g1-a is."""
    road = next(r for r in load_city(DEMO_CITY).roads if r.grid == "g1")
    middle = road.geometry.interpolate(0.5, normalized=True)
    return middle.y, middle.x


SPOT = spot()


def standing(device: str, minutes: int) -> list[dict[str, Any]]:
    """One fix every 10 s, all on one spot: idle after 15 minutes."""
    return [{"device": device, "ts": T0 + 10 * i, "lat": SPOT[0], "lon": SPOT[1]}
            for i in range(minutes * 6 + 1)]


def collect(box: list[dict[str, Any]]) -> Callable[[dict[str, Any], float], None]:
    return lambda event, _arrival: box.append(event)


async def post(base: str, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with aiohttp.ClientSession(base) as http, http.post(
            "/api/v1/positions", json=body,
            headers={"Authorization": f"Bearer {DEVICE}"}) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def test_every_web_process_sees_positions_and_alerts(tmp_path: Path) -> None:
    with LocalCluster(tmp_path, gateways=1, trackers=1, web=2) as cluster:
        webs = [cluster.url(n) for n, r in cluster.roles.items() if r == "web"]
        seen: list[list[dict[str, Any]]] = [[], []]
        listeners = [LiveListener(base, SUPERVISOR, collect(box))
                     for base, box in zip(webs, seen, strict=True)]
        for listener in listeners:
            await listener.start()
        try:
            status, answer, _ = await post(cluster.gateway_urls[0], standing("p-g1-a", 17))
            assert status == 200 and answer == {"accepted": 103, "rejected": []}
            for box in seen:
                async with asyncio.timeout(30):
                    while True:
                        if any(e["type"] == "alert" and e["alert_type"] == "idle" for e in box):
                            break
                        await asyncio.sleep(0.05)
        finally:
            for listener in listeners:
                await listener.stop()
        for box in seen:
            assert {e["device"] for e in box if e["type"] == "position"} == {"p-g1-a"}
        for base in webs:
            async with aiohttp.ClientSession(base, headers={
                    "Authorization": f"Bearer {SUPERVISOR}"}) as http:
                async with http.get("/api/v1/alerts", params={"since": "0"}) as resp:
                    alerts = await resp.json()
                async with http.get("/api/v1/devices") as resp:
                    devices = await resp.json()
            assert [(a["type"], a["subject"]) for a in alerts] == [
                ("idle", {"device": "p-g1-a"})]
            assert alerts[0]["ts"] == T0 + 900
            assert [(d["device"], d["state"]) for d in devices] == [("p-g1-a", "idle")]


async def test_a_gateway_without_redis_answers_503_and_takes_again_after(tmp_path: Path) -> None:
    osmand = free_port()
    with LocalCluster(tmp_path, gateways=1, trackers=1, web=1, osmand_port=osmand) as cluster:
        gateway = cluster.gateway_urls[0]
        fix = {"device": "p-g1-a", "ts": T0, "lat": SPOT[0], "lon": SPOT[1]}
        cluster.redis.kill()
        status, answer, headers = await post(gateway, fix)
        assert status == 503 and headers["Retry-After"] == "1"
        assert "not taken" in answer["error"]
        async with await connect(gateway, "/ws/device", DEVICE) as ws:
            await ws.send(orjson.dumps(fix).decode())
            reply = orjson.loads(await ws.recv())
        assert reply["accepted"] == 0 and "not taken" in reply["error"]
        assert reply["retry_after"] == 1.0
        async with aiohttp.ClientSession(cluster.web_url, headers={
                "Authorization": f"Bearer {SUPERVISOR}"}) as http, \
                http.get("/api/v1/alerts") as resp:
            assert resp.status == 503 and resp.headers["Retry-After"] == "1"
            assert (await resp.json())["error"] == "shared state unavailable; retry"
        report = {"id": "p-g1-b", "lat": str(SPOT[0]), "lon": str(SPOT[1]),
                  "timestamp": str(int(T0))}
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{osmand}/", params=report) as resp:
            assert resp.status == 503  # OsmAnd apps send it again later
        cluster.redis.start()
        status, answer, _ = await post(gateway, fix)
        assert status == 200 and answer["accepted"] == 1
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{osmand}/", params=report) as resp:
            assert resp.status == 200
        async with aiohttp.ClientSession(cluster.web_url, headers={
                "Authorization": f"Bearer {SUPERVISOR}"}) as http:
            async with asyncio.timeout(30):
                while True:
                    async with http.get("/api/v1/devices") as resp:
                        devices = await resp.json()
                    # 503 while the web process reconnects; then the device is there.
                    assert resp.status in (200, 503), resp.status
                    if resp.status == 200 and len(devices) == 2:
                        break
                    await asyncio.sleep(0.1)
        assert [(d["device"], d["ts"]) for d in devices] == [("p-g1-a", T0), ("p-g1-b", T0)]
