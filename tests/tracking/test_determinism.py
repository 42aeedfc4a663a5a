"""The same positions give the same figures and alerts however they arrive (docs/contract.md §2-3,
`--clock data`): batch sizes and tick cadence change nothing, neither passes nor any alert's id,
time, details or clearing time."""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from model.position import Position
from simulator.traces import SimDay, simulate_day
from tests.tracking.helpers import DATE, at, make_city, make_tracker, walk
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

SIM_DATE = "2026-11-20"
# The inspectors who skip roads (g1: road alerts), idle (g2) and leave their grid (g3): enough
# to be telling, few enough to be fast.
DEVICES = ("p-g1-a", "p-g2-a", "p-g3-a")

Result = tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, float, str]]]


@functools.cache
def day() -> tuple[CityIndex, SimDay, list[Position]]:
    city = load_city("cities/demo")
    sim = simulate_day(city, SIM_DATE, seed=5)
    return CityIndex(city), sim, [p for p in sim.positions if p.device in DEVICES]


def replay(positions: list[Position], batch: int, tick_every: float | None) -> Result:
    """Feed in batches; tick_every: data seconds between ticks (None: after every batch)."""
    index, _, _ = day()
    clock = DataClock()
    tracker = Tracker(index, PatrolConfig(), AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection(inspectors=DEVICES)),
                      clock)
    next_tick = float("-inf")
    for i in range(0, len(positions), batch):
        tracker.ingest(positions[i:i + batch])
        if tick_every is None or clock.now() >= next_tick:
            tracker.tick()
            next_tick = clock.now() + (tick_every or 0.0)
    tracker.flush()
    tracker.tick(clock.now() + 3600.0)
    end = clock.now() + 3600.0
    passes = sorted((r["device"], r["ts"], road)
                    for road in index.road_ids for r in tracker.road_passes(road, SIM_DATE))
    return (tracker.compliance(SIM_DATE, end), [a.to_json() for a in tracker.alerts(0)],
            passes)


@functools.cache
def reference() -> Result:
    return replay(day()[2], 1000, None)


def test_the_reference_day_is_telling() -> None:
    rows, alerts, passes = reference()
    types = {a["type"] for a in alerts}
    assert {"idle", "off_grid", "coverage_behind", "road_unvisited", "road_missed"} <= types
    assert any("cleared_ts" in a for a in alerts) and len(passes) > 100
    assert {r["status"] for r in rows} == {"ok", "missed"}
    assert alerts == sorted(alerts, key=lambda a: (a["ts"], a["id"]))


@pytest.mark.parametrize(("batch", "tick_every"), [
    (7, 60.0), (1000, 600.0), (20_000, None), (20_000, 600.0), (333, 2.0)])
def test_batch_sizes_and_tick_cadence_change_nothing(batch: int, tick_every: float | None
                                                      ) -> None:
    assert replay(day()[2], batch, tick_every) == reference()


def test_one_fix_at_a_time_matches_for_the_morning() -> None:
    _, sim, positions = day()
    morning = [p for p in positions if p.ts < sim.window[0] + 1.5 * 3600.0]
    assert replay(morning, 1, None) == replay(morning, 5000, 600.0)


# A small hand-built city: random splits of one device's ordered fixes give the same passes.

CITY = make_city({"a": [(0, 0), (400, 0)], "b": [(0, 15), (400, 15)],
                  "ns": [(200, -200), (200, 200)]})
ROUTE = [(0.0, 0.0), (400.0, 0.0), (200.0, 0.0), (200.0, 200.0), (200.0, -200.0),
         (200.0, 0.0), (0.0, 0.0), (400.0, 0.0)]


def _passes(fixes: list[Position], cuts: list[int]) -> list[tuple[str, float]]:
    """The fixes in batches cut at `cuts`, then one flush: the end of the data (a flush decides
    every fix the map matcher still holds undecided, so it only ever comes last)."""
    tracker, clock = make_tracker(CITY)
    start = 0
    for cut in [*sorted(cuts), len(fixes)]:
        chunk = fixes[start:cut]
        if chunk:
            clock.set(max(clock.now(), chunk[-1].ts))
            rejected: list[tuple[int, str]] = []
            tracker.ingest(chunk, rejected)
            assert rejected == []
        start = cut
    tracker.flush()
    return sorted((road, p["ts"]) for road in ("a", "b", "ns")
                  for p in tracker.road_passes(road, DATE))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(0, 900), max_size=12))
def test_random_splits_of_a_device_s_fixes_give_the_same_passes(seed: int, cuts: list[int]
                                                                ) -> None:
    fixes = walk(ROUTE, "insp-1", at("09:00"), every=1.0, noise=8.0, seed=seed, heading=True)
    rng = random.Random(seed)
    fixes = [p if rng.random() < 0.9 else Position(p.device, p.ts, p.lat, p.lon) for p in fixes]
    whole = _passes(fixes, [])
    assert whole
    assert _passes(fixes, [c % len(fixes) for c in cuts]) == whole


@pytest.mark.parametrize("tick_every", [1.0, 45.0, 600.0])
def test_time_only_alerts_carry_data_times_whatever_the_ticks(tick_every: float) -> None:
    """insp-2 never reports: silent from the opening. insp-1 walks before the opening and after
    09:55, so it was silent from the opening to 09:55, and from its last fix to the close. The
    fixes arrive at 10:00, ticks only after: every alert still carries its data instants."""
    from model.clock import ManualClock
    from tracking.rules.registry import device_rules

    index = CityIndex(CITY)
    clock = ManualClock(at("10:00"))
    tracker = Tracker(index, PatrolConfig(), AlertConfig(), DeviceRegistry(index.grids), clock,
                      rules=device_rules(AlertConfig()))
    fixes = walk([(0.0, 0.0), (400.0, 0.0)], "insp-1", at("07:00"), every=5.0)
    fixes += walk([(400.0, 0.0), (0.0, 0.0)], "insp-1", at("09:55"), every=5.0)
    rejected: list[tuple[int, str]] = []
    tracker.ingest(fixes, rejected)
    assert rejected == []
    now = at("10:00")
    while now < at("19:00"):
        now += tick_every
        clock.set(now)
        tracker.tick()
    lost = [(a.subject["device"], a.ts, a.details["since"], a.cleared_ts)
            for a in tracker.alerts() if a.type == "signal_lost"]
    last = fixes[-1].ts
    assert lost == [("insp-1", at("07:35"), at("07:30"), at("09:55")),
                    ("insp-2", at("07:35"), at("07:30"), at("18:30")),
                    ("insp-1", last + 300.0, last, at("18:30"))]
