"""Faults in the middle of a simulated day on Redis leave the day's compliance and alerts
exactly as without them: a tracker killed with kill -9 (its partitions are taken over, its
pending entries claimed), a tracker frozen past its leases (SIGSTOP: it must neither read nor
commit what its successor now owns), a gateway restarted (handsets reconnect and resend), and
Redis itself killed and restarted from its AOF (gateways answer "not taken, retry" meanwhile:
nothing accepted is lost, nothing counted twice)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest

from geofence.city import load_city
from server import DEMO_CITY
from simulator.replay import replay
from simulator.traces import simulate_day
from tests.e2e.test_day_over_sockets import DATE, direct, without_clearing
from tests.redis.cluster import LocalCluster
from tests.redis.test_same_day import end_of_day, results
from tests.serverkit import DEVICE
from tracking.patrolday import PatrolCalendar

pytestmark = pytest.mark.slow


async def data_clock(cluster: LocalCluster) -> float:
    def read() -> float:
        try:
            raw: Any = cluster.client().get(cluster.keys.clock)
        except OSError:
            return 0.0
        return float(raw) if raw is not None else 0.0
    return await asyncio.to_thread(read)


async def when_clock_reaches(cluster: LocalCluster, ts: float) -> None:
    while True:
        if await data_clock(cluster) >= ts:
            return
        await asyncio.sleep(0.05)


async def faults(cluster: LocalCluster, opening: float, log: list[str]) -> None:
    """At 10:00, 13:00 and 16:00 of the replayed day (data time; the window opens 07:30)."""
    hour = 3600.0
    await when_clock_reaches(cluster, opening + 2.5 * hour)
    await asyncio.to_thread(cluster.kill, "tracker-0")  # kill -9, mid-commit or not
    log.append("tracker-0 killed")
    await asyncio.sleep(4)  # its leases run out; tracker-1 takes every partition
    await asyncio.to_thread(cluster.start, "tracker-0")  # and later hands half back
    await when_clock_reaches(cluster, opening + 4 * hour)
    cluster.procs["tracker-1"].send_signal(signal.SIGSTOP)  # a stall longer than its leases
    log.append("tracker-1 frozen")
    await asyncio.sleep(5)  # tracker-0 takes its partitions; then it wakes up behind the times
    cluster.procs["tracker-1"].send_signal(signal.SIGCONT)
    await when_clock_reaches(cluster, opening + 5.5 * hour)
    code = await asyncio.to_thread(cluster.kill, "gateway-0", signal.SIGTERM)
    log.append(f"gateway-0 stopped ({code})")
    await asyncio.to_thread(cluster.start, "gateway-0")
    await when_clock_reaches(cluster, opening + 8.5 * hour)
    await asyncio.to_thread(cluster.redis.kill)
    log.append("redis killed")
    await asyncio.sleep(2)  # gateways answer "not taken, retry" meanwhile
    await asyncio.to_thread(cluster.redis.start)
    log.append("redis restarted")


async def test_a_day_with_faults_matches_a_day_without(tmp_path: Path) -> None:
    day = simulate_day(DEMO_CITY, DATE, seed=3)
    want_rows, want_alerts = direct(day)
    log: list[str] = []
    with LocalCluster(tmp_path, gateways=2, trackers=2) as cluster:
        opening = PatrolCalendar(load_city(DEMO_CITY).settings).day(DATE).open
        chaos = asyncio.create_task(faults(cluster, opening, log))
        # Paced (twelve hours in about 36 s), so that every fault falls while positions are
        # still being sent: flat out, a quiet machine sends the whole day before Redis goes.
        stats = await replay(cluster.gateway_urls, DEVICE, day.positions, speed=1200,
                             progress=False)
        await chaos
        end_of_day(cluster, max(p.ts for p in day.positions))
        rows, alerts = await results(cluster.web_url)
    assert log == ["tracker-0 killed", "tracker-1 frozen", "gateway-0 stopped (0)",
                   "redis killed", "redis restarted"]
    assert stats.retries > 0  # the gateway restart and the Redis outage were felt
    assert not stats.rejected
    assert rows == want_rows
    assert without_clearing(alerts) == without_clearing(want_alerts)
