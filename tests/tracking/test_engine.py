"""The Tracker end to end on small hand-built cities (real CityIndex, no network)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from model.clock import DataClock
from model.events import AlertEvent, ClearedEvent, PositionEvent
from model.position import Position
from tests.tracking.helpers import (
    DATE,
    at,
    feed,
    make_city,
    make_tracker,
    passes,
    road_events,
    stand,
    walk,
)
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

STRAIGHT = make_city({"a": [(0, 0), (400, 0)], "far": [(0, 600), (300, 600)]})
PARALLEL = make_city({"a": [(0, 0), (400, 0)], "b": [(0, 15), (400, 15)]})
CROSS = make_city({"ns": [(200, -200), (200, 200)], "ew": [(0, 0), (400, 0)]})
A = [(0.0, 0.0), (400.0, 0.0)]


def test_walking_a_road_is_a_pass_with_live_events() -> None:
    tracker, clock = make_tracker(STRAIGHT)
    fixes = walk(A, "insp-1", at("09:00"))
    clock.set(at("09:10"))
    events = feed(tracker, fixes)
    assert sum(isinstance(e, PositionEvent) for e in events) == len(fixes)
    pos_ev = next(e for e in events if isinstance(e, PositionEvent))
    assert pos_ev.grid == "g1" and pos_ev.to_json()["type"] == "position"
    (road_ev,) = road_events(events)
    assert (road_ev.road, road_ev.date, road_ev.passes, road_ev.device) == ("a", DATE, 1,
                                                                           "insp-1")
    assert passes(tracker, "a") == 1 and passes(tracker, "far") == 0
    assert tracker.ctx.rules[0] and tracker.ctx.slots["insp-1"].rules[0][0] == len(fixes)


def test_vehicles_are_tracked_but_never_count() -> None:
    tracker, _ = make_tracker(STRAIGHT, extra={"truck-7": "vehicle"})
    events = feed(tracker, walk(A, "truck-7", at("09:00")))
    assert passes(tracker, "a") == 0
    assert road_events(events) == []
    (dev,) = tracker.devices()
    assert dev["device"] == "truck-7" and dev["kind"] == "vehicle" and dev["road"] == "a"


def test_unknown_devices_are_refused_with_a_reason() -> None:
    tracker, _ = make_tracker(STRAIGHT, start=at("09:00"))
    rejected: list[tuple[int, str]] = []
    good = Position("insp-1", at("09:00"), 30.25, 120.15)
    events = tracker.ingest([Position("nobody", at("09:00"), 30.25, 120.15), good], rejected)
    assert rejected == [(0, "unknown device")]
    assert [e.position.device for e in events if isinstance(e, PositionEvent)] == ["insp-1"]
    auto, _ = make_tracker(STRAIGHT, start=at("09:00"))
    auto.ctx.registry.auto_register = True
    rejected.clear()
    auto.ingest([Position("phone-9", at("09:00"), 30.25, 120.15)], rejected)
    assert rejected == [] and [d["device"] for d in auto.devices()] == ["phone-9"]


def test_fixes_too_far_in_the_future_are_refused() -> None:
    tracker, clock = make_tracker(STRAIGHT)
    clock.set(at("09:00"))
    rejected: list[tuple[int, str]] = []
    tracker.ingest([Position("insp-1", at("09:10"), 30.25, 120.15)], rejected)
    assert rejected == [(0, "timestamp too far in the future")]


def test_out_of_order_within_the_window_counts_as_in_order() -> None:
    fixes = walk(A, "insp-1", at("09:00")) + walk(A[::-1], "insp-1", at("09:06"))
    rng = random.Random(3)
    shuffled = sorted(fixes, key=lambda p: p.ts + rng.uniform(0.0, 9.0))
    assert shuffled != fixes
    results = []
    for order in (fixes, shuffled):
        tracker, _ = make_tracker(STRAIGHT)
        feed(tracker, order, batch=7)
        results.append(tracker.compliance(DATE, now=at("12:00")))
    assert results[0] == results[1]
    assert results[0][0]["passes"] == 2


def test_duplicates_ignored_and_late_fixes_shown_not_counted() -> None:
    tracker, _ = make_tracker(STRAIGHT)
    fixes = walk(A, "insp-1", at("09:00"))
    half = len(fixes) // 2
    events = feed(tracker, fixes[:half] + fixes[:5])  # five retransmissions
    assert sum(isinstance(e, PositionEvent) for e in events) == half
    # The second half arrives after the first was released: the first half's missing end
    # makes no difference; a fix from before the last released one is "late".
    late = Position("insp-1", fixes[3].ts + 1.0, fixes[3].lat, fixes[3].lon)
    events = feed(tracker, [late, *fixes[half:]])
    assert sum(isinstance(e, PositionEvent) for e in events) == len(fixes) - half + 1
    assert tracker.stats()["late_fixes"] == 1 and tracker.stats()["duplicate_fixes"] == 5
    track = tracker.track("insp-1", DATE)
    times = track["properties"]["times"]
    assert len(times) == len(fixes) + 1 and times == sorted(times)
    assert track["geometry"]["type"] == "LineString"
    assert passes(tracker, "a") == 1


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("road", ["a", "b"])
def test_parallel_roads_15m_apart_credit_the_walked_one(seed: int, road: str) -> None:
    tracker, _ = make_tracker(PARALLEL)
    y = 0.0 if road == "a" else 15.0
    pts = [(0.0, y), (400.0, y), (0.0, y)]  # there and back: two passes
    feed(tracker, walk(pts, "insp-1", at("09:00"), noise=8.0, seed=seed))
    other = "b" if road == "a" else "a"
    assert (passes(tracker, road), passes(tracker, other)) == (2, 0)


def test_junction_walked_straight_through_and_turning() -> None:
    tracker, _ = make_tracker(CROSS)
    feed(tracker, walk([(0, 0), (400, 0)], "insp-1", at("09:00"), noise=4.0))
    assert (passes(tracker, "ew"), passes(tracker, "ns")) == (1, 0)
    tracker, _ = make_tracker(CROSS)
    # From the west end to the junction, then north: neither road is 80 % walked.
    feed(tracker, walk([(0, 0), (200, 0), (200, 200)], "insp-1", at("09:00"), noise=4.0))
    assert (passes(tracker, "ew"), passes(tracker, "ns")) == (0, 0)
    # The whole north-south road, turning in from the east-west one: ns counts.
    tracker, _ = make_tracker(CROSS)
    feed(tracker, walk([(100, 0), (200, 0), (200, -200), (200, 200)], "insp-1", at("09:00"),
                       heading=True))
    assert (passes(tracker, "ew"), passes(tracker, "ns")) == (0, 1)


def test_scooter_pass_is_suspect_and_reported_apart() -> None:
    tracker, clock = make_tracker(STRAIGHT)
    feed(tracker, walk(A, "insp-1", at("09:00"), speed=8.0, every=2.0))
    assert passes(tracker, "a") == 0
    assert [p["suspect"] for p in tracker.road_passes("a", DATE)] == [True]
    clock.set(at("12:00"))
    (row,) = [r for r in tracker.daily_report(DATE)["inspectors"] if r["device"] == "insp-1"]
    assert (row["passes"], row["suspect_passes"]) == (0, 1)


def test_daily_report_figures() -> None:
    tracker, clock = make_tracker(STRAIGHT)
    fixes = stand(0.0, 0.0, "insp-1", at("08:00"), 600, noise=8.0, seed=2)
    fixes += walk(A, "insp-1", at("08:10") + 5)
    feed(tracker, fixes)
    clock.set(at("12:00"))
    report = tracker.daily_report(DATE)
    assert set(report) == {"date", "inspectors", "grids", "roads"}
    by_dev = {r["device"]: r for r in report["inspectors"]}
    me = by_dev["insp-1"]
    assert me["passes"] == 1 and me["roads"] == ["a"] and me["grids"] == ["g1"]
    assert 360.0 <= me["distance_m"] <= 440.0  # 10 min of 8 m jitter added next to nothing
    assert me["on_duty_s"] == pytest.approx(fixes[-1].ts - fixes[0].ts)
    assert by_dev["insp-2"]["distance_m"] == 0.0 and by_dev["insp-2"]["passes"] == 0
    (grid,) = report["grids"]
    assert grid["grid"] == "g1" and grid["roads"] == 2 and grid["passes"] == 1
    assert grid["required"] == 8 and grid["coverage_pct"] == pytest.approx(12.5)
    # At noon 1.6 passes of 4 are due: "a" (1 done) is on schedule, "far" (0) is behind.
    assert (grid["pending"], grid["behind"]) == (1, 1)


def test_window_close_raises_missed_through_ticks() -> None:
    tracker, clock = make_tracker(STRAIGHT)
    clock.set(at("07:00"))
    tracker.tick()
    events = []
    for hhmm in ("10:00", "15:00", "18:31"):
        clock.set(at(hhmm))
        events += tracker.tick()
    types = [("alert" if isinstance(e, AlertEvent) else "cleared", e.alert.type)
             for e in events if isinstance(e, AlertEvent | ClearedEvent)]
    assert types.count(("alert", "road_missed")) == 2
    assert ("cleared", "coverage_behind") in types
    status = {r["road"]: r["status"] for r in tracker.compliance(DATE)}
    assert status == {"a": "missed", "far": "missed"}
    assert [e.status for e in road_events(events)][-2:] == ["missed", "missed"]
    assert all(a.ts <= at("18:31") for a in tracker.alerts())
    assert tracker.alerts(since=at("18:00"))  # cleared and raised at the close


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40))
def test_shuffling_within_the_reorder_window_never_changes_passes(seed: int, batch: int
                                                                  ) -> None:
    fixes = (walk(A, "insp-1", at("09:00"), noise=3.0, seed=seed)
             + walk(A[::-1], "insp-1", at("09:05"), noise=3.0, seed=seed + 1)
             + walk(A, "insp-2", at("09:01"), speed=1.0, every=3.0, seed=seed + 2))
    fixes.sort(key=lambda p: p.ts)
    rng = random.Random(seed)
    window = PatrolConfig().reorder_window_s
    shuffled = sorted(fixes, key=lambda p: p.ts + rng.uniform(0.0, window * 0.99))
    counts = []
    for order in (fixes, shuffled):
        tracker, _ = make_tracker(STRAIGHT)
        feed(tracker, order, batch=batch)
        counts.append([(r["road"], r["passes"]) for r in tracker.compliance(DATE, at("12:00"))])
    assert counts[0] == counts[1]


def test_data_clock_replay_raises_the_live_alerts() -> None:
    index_tracker, _ = make_tracker(STRAIGHT)
    clock = DataClock()
    tracker = Tracker(index_tracker.ctx.index, PatrolConfig(), AlertConfig(),
                      index_tracker.ctx.registry, clock, rules=[])
    fixes = walk(A, "insp-1", at("07:20")) + walk(A, "insp-1", at("18:35"))
    events = []
    for p in fixes:
        events += tracker.ingest([p])
        events += tracker.tick()
    assert clock.now() == fixes[-1].ts
    raised = [e.alert for e in events if isinstance(e, AlertEvent)]
    missed = [a for a in raised if a.type == "road_missed"]
    assert {a.subject["road"] for a in missed} == {"a", "far"}
    assert all(a.ts == at("18:30") for a in missed)


def test_bad_accuracy_fixes_count_for_nothing() -> None:
    tracker, _ = make_tracker(STRAIGHT)
    fixes = [Position(p.device, p.ts, p.lat, p.lon, acc=500.0)
             for p in walk(A, "insp-1", at("09:00"))]
    feed(tracker, fixes)
    assert passes(tracker, "a") == 0
    assert tracker.track("insp-1", DATE)["properties"]["count"] == len(fixes)


def test_registry_from_config() -> None:
    tracker, _ = make_tracker(STRAIGHT)
    section = DevicesSection(inspectors=["p-9"], vehicles=["truck-1"], auto_register=True,
                             auto_kind="vehicle")
    reg = DeviceRegistry.from_config(tracker.ctx.index, section, ["truck-7", "insp-1"])
    kinds = {d: reg.lookup(d).kind for d in ("insp-1", "p-9", "truck-1", "truck-7", "new")}  # type: ignore[union-attr]
    assert kinds == {"insp-1": "inspector", "p-9": "inspector", "truck-1": "vehicle",
                     "truck-7": "vehicle", "new": "vehicle"}
    assert reg.lookup("insp-1").grids == (0,)  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="kind"):
        reg.register("x", "bicycle")
