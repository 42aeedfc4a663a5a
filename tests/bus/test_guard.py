"""The guard's narrowing (bus/guard.py): the position at fault is the one dead-lettered, even
when it was held in a reorder window across a checkpoint and failed a later batch that only
released it; the same positions give the same letters and the same state however they are
batched (a journal replay agrees with the live run); a tick that fails with no position at
fault is skipped and reported, and the next one goes on."""

from __future__ import annotations

from typing import Any

import pytest

from bus.guard import Failure, Guard
from config import testfaults
from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from model.position import Position
from server import DEMO_CITY
from store.deadletter import DeadLetter
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.rules.registry import device_rules

T0 = 1795140000.0  # 2026-11-20 10:00 in Shanghai: on duty


@pytest.fixture(scope="module")
def index() -> CityIndex:
    return CityIndex(load_city(DEMO_CITY))


def walkers(index: CityIndex, seconds: int, poison: set[tuple[int, int]]) -> list[Position]:
    """Three inspectors walking three roads, a fix a second; (walker, second) in `poison`
    reports the poison speed."""
    out = []
    for t in range(seconds):
        for w in range(3):
            lon, lat = index.road_point(w, 1.3 * t)
            speed = testfaults.POISON_SPEED if (w, t) in poison else 1.3
            out.append(Position(index.grids[w].inspectors[0], T0 + t, lat, lon, speed=speed))
    return out


def guarded(index: CityIndex, rules: Any = None, every: int | None = None
            ) -> tuple[Guard, list[DeadLetter], list[Failure]]:
    letters: list[DeadLetter] = []
    failures: list[Failure] = []
    tracker = Tracker(index, PatrolConfig(), AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection()), DataClock(),
                      rules=rules)
    return Guard(tracker, "tracker", letters.extend, failures.append, every=every), letters, \
        failures


def feed(guard: Guard, positions: list[Position], size: int) -> None:
    for start in range(0, len(positions), size):
        batch = positions[start:start + size]
        guard.ingest(batch)
        guard.tick(batch[-1].ts)
    guard.flush()


def answers(guard: Guard) -> tuple[Any, ...]:
    t = guard.tracker
    date = t.ctx.calendar.date_of(T0)
    return (t.compliance(date, T0 + 3600), [a.to_json() for a in t.alerts()], t.devices(),
            {info.id: t.track(info.id, date) for info in t.registry})


def test_a_poison_fix_held_across_a_checkpoint_is_the_one_dead_lettered(
        index: CityIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(testfaults.ENV, "poison-rule")
    positions = walkers(index, 120, {(1, 40), (2, 90)})
    guard, letters, _ = guarded(index, every=90)  # checkpoints while the poison is held
    feed(guard, positions, 30)
    assert sorted((x.input["device"], x.input["ts"]) for x in letters) == [
        (index.grids[1].inspectors[0], T0 + 40), (index.grids[2].inspectors[0], T0 + 90)]
    assert {x.stage for x in letters} == {"DeviceRules"}
    want = answers(guard)
    times = want[3][index.grids[1].inspectors[0]]["properties"]["times"]
    assert T0 + 40 not in times and T0 + 39 in times and T0 + 41 in times

    # Fed one position at a time (a journal replay's batches differ from live chunks):
    # the same letters, the same answers.
    again, again_letters, _ = guarded(index, every=1000)
    feed(again, positions, 1)
    assert sorted((x.input["device"], x.input["ts"]) for x in again_letters) == \
        sorted((x.input["device"], x.input["ts"]) for x in letters)
    assert answers(again) == want

    # And a tracker that never saw the poison answers the same: as if never received.
    clean, _, _ = guarded(index)
    feed(clean, [p for p in positions if p.speed != testfaults.POISON_SPEED], 30)
    assert answers(clean) == want


class TickBomb:
    """A rule whose tick fails while `armed`, whatever the positions."""

    type = "test_tick"

    def __init__(self) -> None:
        self.armed = False

    def new_state(self) -> None:
        return None

    def export_state(self, state: Any) -> None:
        return None

    def import_state(self, data: Any) -> None:
        return None

    def on_fix(self, state: Any, device: Any, fix: Any, book: Any) -> Any:
        return state

    def on_tick(self, state: Any, device: Any, now: float, on_duty: bool, book: Any) -> Any:
        if self.armed:
            raise ValueError("test fault: a tick that fails")
        return state


def test_a_failing_tick_is_skipped_reported_and_the_next_one_goes_on(index: CityIndex) -> None:
    bomb = TickBomb()
    guard, letters, failures = guarded(index, rules=[*device_rules(AlertConfig()), bomb])
    positions = walkers(index, 60, set())
    guard.ingest(positions[:90])
    bomb.armed = True
    assert guard.tick(T0 + 30) == []
    assert [(f.stage, f.reason) for f in failures] == [("DeviceRules", "ValueError")]
    assert letters == []  # no position was at fault: none is dead-lettered
    bomb.armed = False
    guard.ingest(positions[90:])
    guard.tick(T0 + 60)
    times = guard.tracker.track(index.grids[0].inspectors[0], "2026-11-20")["properties"]
    assert times["times"] == [T0 + t for t in range(60)]
