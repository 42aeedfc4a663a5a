"""A tracker's state saved mid-day and loaded into a fresh tracker goes on exactly as if it had
never stopped (what a Redis tracker taking over a partition relies on)."""

from __future__ import annotations

from typing import Any

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from model.position import Position
from server import DEMO_CITY
from simulator.traces import simulate_day
from tracking import snapshot
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

DATE = "2026-11-20"


def make(index: CityIndex) -> tuple[Tracker, DataClock]:
    clock = DataClock()
    return Tracker(index, PatrolConfig(), AlertConfig(),
                   DeviceRegistry.from_config(index, DevicesSection()), clock,
                   road_rules=False), clock


def run(tracker: Tracker, clock: DataClock, positions: list[Position]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(positions), 5_000):
        out += tracker.ingest(positions[start:start + 5_000])
        out += tracker.tick()
    return out


def outcome(tracker: Tracker, events: list[Any]) -> tuple[list[Any], ...]:
    # Batches split differently around the snapshot: compare contents, not emission order.
    alerts = sorted((e.to_json() for e in events if e.TYPE in ("alert", "cleared")),
                    key=lambda a: (a["type"], a["id"]))
    passes = sorted((p.road, p.ts, p.device, p.suspect) for p in tracker.passes_out or ())
    return alerts, passes, tracker.devices()


def test_a_tracker_resumed_from_its_snapshot_ends_the_day_as_one_that_never_stopped() -> None:
    index = CityIndex(load_city(DEMO_CITY))
    day = simulate_day(DEMO_CITY, DATE, seed=4, behaviours={"p-g2-a": "idle"})
    positions = sorted(day.positions, key=lambda p: p.ts)[: len(day.positions) // 2]
    half = len(positions) // 2

    whole, whole_clock = make(index)
    want = outcome(whole, run(whole, whole_clock, positions))

    first, first_clock = make(index)
    events = run(first, first_clock, positions[:half])
    snapshot.take_tracks(first)
    blob = snapshot.save(first, {"applied": [1, 2]})
    second, second_clock = make(index)
    assert snapshot.load(second, blob) == {"applied": [1, 2]}
    second_clock.observe(first_clock.now())
    assert second.passes_out is not None and first.passes_out is not None
    second.passes_out[:0] = first.passes_out
    events += run(second, second_clock, positions[half:])
    assert outcome(second, events) == want
    assert any(a["type"] == "alert" and a["alert_type"] == "idle" for a in want[0])
    assert want[1]  # passes were made on both sides of the snapshot
