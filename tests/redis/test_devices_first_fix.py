"""Over Redis too, /api/v1/devices lists a device once its first fix is accepted, while the fix
still waits in the tracker's (here ten-minute) reorder window; and the gateway there applies
the same time rule, so a fix dated far ahead never moves the shared data clock."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from geofence.city import load_city
from server import DEMO_CITY, Server
from tests.redisproc import RedisProcess
from tests.serverkit import DEVICE, SUPERVISOR, TOKENS, make_config


async def test_a_device_is_listed_at_its_first_fix_over_redis(tmp_path: Path) -> None:
    with RedisProcess(tmp_path / "redis", aof=False) as rp:
        cfg = make_config(tmp_path, server={"clock": "data"},
                          patrol={"reorder_window_s": 600},
                          redis={"partitions": 2, "commit_interval_s": 0.05})
        server = Server(cfg, load_city(DEMO_CITY), dict(TOKENS), rp.url, "all")
        await server.start()
        try:
            base = f"http://127.0.0.1:{server.port}"
            now = time.time() - 30
            async with aiohttp.ClientSession(base, headers={
                    "Authorization": f"Bearer {DEVICE}"}) as http:
                for ts in (now, now + 3e9):
                    async with http.post("/api/v1/positions", json={
                            "device": "p-g1-a", "ts": ts, "lat": 36.6, "lon": 116.9}) as resp:
                        assert (await resp.json())["accepted"] == (ts == now)
            async with aiohttp.ClientSession(base, headers={
                    "Authorization": f"Bearer {SUPERVISOR}"}) as http:
                async with asyncio.timeout(20):
                    while True:
                        async with http.get("/api/v1/devices") as resp:
                            rows = {r["device"]: r for r in await resp.json()}
                        if "p-g1-a" in rows:
                            break
                        await asyncio.sleep(0.05)
                assert rows["p-g1-a"]["held"] == 1  # still in the reorder window
                async with http.get("/healthz") as resp:
                    assert (await resp.json())["clock"] <= now + 1
        finally:
            await server.stop()
