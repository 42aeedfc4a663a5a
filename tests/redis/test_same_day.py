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
from tests.e2e.test_day_over_sockets import DATE, direct, without_clearing
from tests.redis.cluster import LocalCluster
from tests.serverkit import DEVICE, SUPERVISOR

pytestmark = pytest.mark.slow

WINDOW_S = 10.0  # the reorder window: a tick at T sweeps up to T - 10 s


async def results(base: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    async with aiohttp.ClientSession(
            base, headers={"Authorization": f"Bearer {SUPERVISOR}"}) as http:
        async with http.get("/api/v1/roads/compliance", params={"date": DATE}) as resp:
            assert resp.status == 200
            rows = await resp.json()
        async with http.get("/api/v1/alerts", params={"since": "0"}) as resp:
            alerts = await resp.json()
    return rows, alerts


def end_of_day(cluster: LocalCluster, newest: float) -> None:
    """An hour passes with no positions: every held fix is released, the window has closed."""
    cluster.advance_clock(newest + 3_600)
    cluster.wait_swept(newest + 3_600 - WINDOW_S)


async def test_a_day_on_redis_matches_the_memory_backend(tmp_path: Path) -> None:
    day = simulate_day(DEMO_CITY, DATE, seed=3)
    want_rows, want_alerts = direct(day)
    with LocalCluster(tmp_path, gateways=2, trackers=2) as cluster:
        stats = await replay(cluster.gateway_urls, DEVICE, day.positions, speed=0,
                             progress=False)
        assert stats.accepted == len(day.positions) and not stats.rejected
        end_of_day(cluster, max(p.ts for p in day.positions))
        rows, alerts = await results(cluster.web_url)
        # Both trackers took part, and the live page's process saw the whole day.
        client = cluster.client()
        owners = {client.get(cluster.keys.lease(p)) for p in range(8)}
    assert len(owners) == 2
    assert rows == want_rows
    assert without_clearing(alerts) == without_clearing(want_alerts)
    assert {r["status"] for r in rows} >= {"ok", "missed"}
