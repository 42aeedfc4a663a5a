"""The one-process pipeline's task is supervised (bus/pipeline.py): if it dies it is started
again with its chunk, nothing lost; if it keeps dying, the pipeline refuses new positions (503
at the gateways) instead of blocking them, drain() raises instead of hanging, /healthz says so
and the process is asked to exit non-zero. (It used to end silently: submit blocked, drain hung,
/healthz said ok.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bus.events import EventFanout
from bus.health import Health
from bus.pipeline import Pipeline
from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from gateway.sink import SinkUnavailable
from geofence.city import load_city
from geofence.index import CityIndex
from metrics.registry import Metrics
from model.clock import DataClock
from model.position import Position
from server import DEMO_CITY
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

T0 = 1795140000.0


@pytest.fixture(scope="module")
def index() -> CityIndex:
    return CityIndex(load_city(DEMO_CITY))


def pipeline(index: CityIndex, fatal: list[str]) -> tuple[Pipeline, Health]:
    clock = DataClock()
    tracker = Tracker(index, PatrolConfig(), AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection()), clock)
    metrics = Metrics()
    health = Health(metrics, hold_s=60.0)
    return Pipeline(tracker, EventFanout(), metrics, clock, 10_000, tick_s=0.05,
                    health=health, on_fatal=fatal.append), health


def fixes(index: CityIndex, n: int) -> list[Position]:
    device = index.grids[0].inspectors[0]
    out = []
    for i in range(n):
        lon, lat = index.road_point(0, 1.3 * i)
        out.append(Position(device, T0 + i, lat, lon))
    return out


async def test_a_task_that_dies_once_is_restarted_with_its_chunk(
        index: CityIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    fatal: list[str] = []
    pipe, health = pipeline(index, fatal)
    process = pipe.process
    calls = 0

    def dies_once(chunk: list[Position]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("test fault: the tracking task dies")
        process(chunk)

    monkeypatch.setattr(pipe, "process", dies_once)
    await pipe.start()
    try:
        await pipe.submit(fixes(index, 30))
        async with asyncio.timeout(10):
            await pipe.drain()
        times = pipe.tracker.track(index.grids[0].inspectors[0], "2026-11-20")
        assert times["properties"]["count"] == 30
        assert fatal == []
        assert any("restarted" in r for r in health.status()["reasons"])
        assert health.metrics.worker_restarts.labels("tracker")._value.get() == 1
    finally:
        await pipe.stop()


async def test_a_task_that_keeps_dying_stops_the_pipeline_loudly(
        index: CityIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    fatal: list[str] = []
    pipe, health = pipeline(index, fatal)

    def dies(chunk: list[Position]) -> Any:
        raise RuntimeError("test fault: the tracking task dies")

    monkeypatch.setattr(pipe, "process", dies)
    await pipe.start()
    try:
        await pipe.submit(fixes(index, 5))
        async with asyncio.timeout(30):
            with pytest.raises(RuntimeError, match="tracking stopped"):
                await pipe.drain()
        assert fatal and "died 6 times" in fatal[0]
        with pytest.raises(SinkUnavailable, match="tracking stopped"):
            await pipe.submit(fixes(index, 1))
        status = health.status()
        assert status["status"] == "degraded"
        assert any(r.startswith("tracker: stopped") for r in status["reasons"])
    finally:
        await pipe.stop()
