"""The same simulated day gives identical compliance and alerts on the memory backend and on
Redis with 2 gateways, 2 trackers and a web process, all real processes over real sockets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server import DEMO_CITY
from simulator.replay import replay
from simulator.traces import simulate_day
from tests.e2e.test_day_over_sockets import DATE, core, without_clearing
from tests.redis.cluster import LocalCluster
from tests.serverkit import DEVICE, SUPERVISOR

pytestmark = pytest.mark.slow

WINDOW_S = 10.0  # the reorder window: a tick at T sweeps up to T - 10 s


async def get(base: str, path: str, **params: str) -> Any:
    async with aiohttp.ClientSession(
            base, headers={"Authorization": f"Bearer {SUPERVISOR}"}) as http, \
            http.get(path, params=params) as resp:
        assert resp.status == 200, path
        return await resp.json()


async def results(base: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (await get(base, "/api/v1/roads/compliance", date=DATE),
            await get(base, "/api/v1/alerts", since="0"))


def end_of_day(cluster: LocalCluster, newest: float) -> None:
    """An hour passes with no positions: every held fix is released, the window has closed."""
    cluster.advance_clock(newest + 3_600)
    cluster.wait_swept(newest + 3_600 - WINDOW_S)


async def test_a_day_on_redis_matches_the_memory_backend(tmp_path: Path) -> None:
    day = simulate_day(DEMO_CITY, DATE, seed=3)
    tracker, end = core(day)
    with LocalCluster(tmp_path, gateways=2, trackers=2) as cluster:
        stats = await replay(cluster.gateway_urls, DEVICE, day.positions, speed=0,
                             progress=False)
        assert stats.accepted == len(day.positions) and not stats.rejected
        end_of_day(cluster, max(p.ts for p in day.positions))
        web = cluster.web_url
        rows, alerts = await results(web)
        report = await get(web, "/api/v1/reports/daily", date=DATE)
        track = await get(web, "/api/v1/tracks/p-g3-b", date=DATE)
        passes = await get(web, "/api/v1/roads/g3-m01/passes", date=DATE)
        devices = await get(web, "/api/v1/devices")
        # Both trackers took part.
        client = cluster.client()
        owners = {client.get(cluster.keys.lease(p)) for p in range(8)}
    assert len(owners) == 2
    assert rows == tracker.compliance(DATE, end)
    assert without_clearing(alerts) == without_clearing(
        [a.to_json() for a in tracker.alerts(0)])
    assert {r["status"] for r in rows} >= {"ok", "missed"}
    assert report == tracker.daily_report(DATE, end)
    assert track == tracker.track("p-g3-b", DATE)
    assert sorted(passes, key=lambda p: p["ts"]) == sorted(
        tracker.road_passes("g3-m01", DATE), key=lambda p: p["ts"])
    assert [(d["device"], d["ts"], d["lat"], d["lon"]) for d in devices] == sorted(
        (d["device"], d["ts"], d["lat"], d["lon"]) for d in tracker.devices())
