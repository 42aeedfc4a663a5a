"""A tracker's state exported as typed data (tracking/export/) and imported into a fresh tracker
goes on exactly as if it had never stopped (what a Redis tracker taking over a partition relies
on); state of another version, or a pickle, is refused with a message, never loaded."""

from __future__ import annotations

import pickle
from typing import Any

import msgspec
import pytest

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from model.position import Position
from server import DEMO_CITY
from simulator.traces import simulate_day
from tracking import checkpoint
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.export.envelope import StateError, seal
from tracking.export.tracker import (
    KIND,
    VERSION,
    decode_tracker,
    encode_tracker,
    export_tracker,
    import_tracker,
)

DATE = "2026-11-20"


@pytest.fixture(scope="module")
def index() -> CityIndex:
    return CityIndex(load_city(DEMO_CITY))


@pytest.fixture(scope="module")
def positions() -> list[Position]:
    day = simulate_day(DEMO_CITY, DATE, seed=4, behaviours={"p-g2-a": "idle"})
    return sorted(day.positions, key=lambda p: p.ts)[: len(day.positions) // 2]


def make(index: CityIndex, road_rules: bool = False) -> tuple[Tracker, DataClock]:
    clock = DataClock()
    return Tracker(index, PatrolConfig(), AlertConfig(),
                   DeviceRegistry.from_config(index, DevicesSection()), clock,
                   road_rules=road_rules), clock


def run(tracker: Tracker, positions: list[Position]) -> list[Any]:
    """In batches, a tick after each at its newest time (not the clock's: a tracker gone back
    to a checkpoint replays with the clock ahead)."""
    out: list[Any] = []
    for start in range(0, len(positions), 5_000):
        batch = positions[start:start + 5_000]
        out += tracker.ingest(batch)
        out += tracker.tick(batch[-1].ts)
    return out


def outcome(tracker: Tracker, events: list[Any], passes: list[Any]) -> tuple[list[Any], ...]:
    # Batches split differently around the snapshot: compare contents, not emission order.
    alerts = sorted((e.to_json() for e in events if e.TYPE in ("alert", "cleared")),
                    key=lambda a: (a["type"], a["id"]))
    return alerts, sorted((p.road, p.ts, p.device, p.suspect) for p in passes), \
        tracker.devices()


def test_a_tracker_resumed_from_its_state_ends_the_day_as_one_that_never_stopped(
        index: CityIndex, positions: list[Position]) -> None:
    half = len(positions) // 2
    whole, _ = make(index)
    events = run(whole, positions)
    want = outcome(whole, events, whole.take_outputs().passes)

    first, first_clock = make(index)
    events = run(first, positions[:half])
    passes = first.take_outputs().passes
    blob = encode_tracker(export_tracker(first))
    second, second_clock = make(index)
    import_tracker(second, decode_tracker(blob))
    second_clock.observe(first_clock.now())
    events += run(second, positions[half:])
    passes += second.take_outputs().passes
    assert outcome(second, events, passes) == want
    assert any(a["type"] == "alert" and a["alert_type"] == "idle" for a in want[0])
    assert passes and want[1]  # passes were made on both sides of the snapshot
    # The state says the same again once imported: nothing lost or added on the way.
    assert encode_tracker(export_tracker(second)) != blob  # it went on
    again, _ = make(index)
    import_tracker(again, decode_tracker(blob))
    assert encode_tracker(export_tracker(again)) == blob


def test_a_rollback_to_a_checkpoint_gives_the_same_answers(
        index: CityIndex, positions: list[Position]) -> None:
    """A tracker with road rules (the one-process server's), back at a checkpoint and fed the
    rest again, answers as one that never went back: compliance, alerts, report, tracks."""
    half = len(positions) // 2
    tracker, clock = make(index, road_rules=True)
    run(tracker, positions[:half])
    cp = checkpoint.take(tracker)
    run(tracker, positions[half:])
    date = tracker.ctx.calendar.date_of(positions[-1].ts)
    now = clock.now()
    want = (tracker.compliance(date, now), [a.to_json() for a in tracker.alerts()],
            tracker.daily_report(date, now), tracker.devices(),
            tracker.track("p-g2-a", date), tracker.day_passes(date))
    checkpoint.restore(tracker, cp, positions[half:])
    run(tracker, positions[half:])
    got = (tracker.compliance(date, now), [a.to_json() for a in tracker.alerts()],
           tracker.daily_report(date, now), tracker.devices(),
           tracker.track("p-g2-a", date), tracker.day_passes(date))
    assert got == want
    assert want[5] and want[1]


def test_state_of_another_version_is_refused_by_name(index: CityIndex) -> None:
    tracker, _ = make(index)
    blob = seal(KIND, VERSION + 1, export_tracker(tracker))
    with pytest.raises(StateError, match=rf"version {VERSION + 1} is not readable by this "
                       rf"build \(it reads version {VERSION}\)"):
        decode_tracker(blob)
    with pytest.raises(StateError, match="expected tracker state, found 'road-rules'"):
        decode_tracker(seal("road-rules", VERSION, export_tracker(tracker)))
    with pytest.raises(StateError, match="does not validate"):
        decode_tracker(msgspec.msgpack.encode([KIND, VERSION, [1, 2, 3]]))


class _Boom:
    def __reduce__(self) -> tuple[Any, ...]:
        return (pytest.fail, ("the pickle was loaded: it could have run any code",))


def test_a_pickled_state_is_refused_never_unpickled(index: CityIndex) -> None:
    blob = pickle.dumps({"version": 1, "slots": [_Boom()]}, protocol=pickle.HIGHEST_PROTOCOL)
    with pytest.raises(StateError, match="pickle"):
        decode_tracker(blob)
    with pytest.raises(StateError, match="unreadable"):
        decode_tracker(b"\x00 not state at all")
