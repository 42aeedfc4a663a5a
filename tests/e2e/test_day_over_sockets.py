"""A simulated demo day sent through the real sockets gives the same compliance and alerts as
the patrol core computed directly from the same positions (docs/contract.md: same positions, same
figures, whenever they arrive)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from server import DEMO_CITY
from simulator.replay import replay
from simulator.traces import SimDay, simulate_day
from tests.serverkit import DEVICE, running_server
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

DATE = "2026-11-20"


def core(day: SimDay) -> tuple[Tracker, float]:
    """The patrol core run directly on the day, then an hour with no positions; and that
    hour's end."""
    city = load_city(DEMO_CITY)
    index = CityIndex(city)
    clock = DataClock()
    tracker = Tracker(index, PatrolConfig(), AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection()), clock)
    for start in range(0, len(day.positions), 5_000):
        tracker.ingest(day.positions[start:start + 5_000])
        tracker.tick()
    tracker.flush()
    tracker.tick(clock.now() + 3_600)
    return tracker, clock.now() + 3_600


def direct(day: SimDay) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tracker, end = core(day)
    return tracker.compliance(DATE, end), [a.to_json() for a in tracker.alerts(0)]


def without_clearing(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in a.items() if k != "cleared_ts"} for a in alerts]


async def test_a_day_over_websockets_matches_the_core(tmp_path: Path) -> None:
    day = simulate_day(DEMO_CITY, DATE, seed=3)
    want_rows, want_alerts = direct(day)
    async with running_server(tmp_path, server={"clock": "data"}) as srv:
        stats = await replay(srv.base, DEVICE, day.positions, speed=0, progress=False)
        assert stats.accepted == len(day.positions) and not stats.rejected
        await srv.settle()
        tracker = srv.tracker
        tracker.flush()
        clock = srv.server.parts.clock
        tracker.tick(clock.now() + 3_600)
        async with srv.http() as http:
            async with http.get("/api/v1/roads/compliance", params={"date": DATE}) as resp:
                rows = await resp.json()
            async with http.get("/api/v1/alerts", params={"since": "0"}) as resp:
                alerts = await resp.json()
    assert rows == want_rows
    assert without_clearing(alerts) == without_clearing(want_alerts)
    assert {r["status"] for r in rows} >= {"ok", "missed"}
