"""The rule list, its wording, and what all rules promise together: identical alerts on every
replay, one open alert per condition, no exception on any fix sequence."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.patrol import AlertConfig
from model.alert import ALERT_TYPES
from model.events import AlertEvent
from tests.tracking.rules.tracks import BEAT, INSPECTOR, OPEN_0730, alerts, fix, follow, stand
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.registry import device_rules
from tracking.rules.wording import duration

T = OPEN_0730


class Engine:
    """All registered rules for one device, driven as the engine drives them."""

    def __init__(self, cfg: AlertConfig, device: DeviceInfo = INSPECTOR) -> None:
        self.rules = device_rules(cfg)
        self.device = device
        self.book = AlertBook()
        self.states: list[Any] = [r.new_state() for r in self.rules]

    def fix(self, f: Fix) -> None:
        for i, rule in enumerate(self.rules):
            self.states[i] = rule.on_fix(self.states[i], self.device, f, self.book)

    def tick(self, now: float, on_duty: bool = True) -> None:
        for i, rule in enumerate(self.rules):
            self.states[i] = rule.on_tick(self.states[i], self.device, now, on_duty, self.book)

    def run(self, fixes: list[Fix], tick_every: float | None) -> None:
        next_tick = fixes[0].ts
        for f in fixes:
            while tick_every is not None and next_tick <= f.ts:
                self.tick(next_tick)
                next_tick += tick_every
            self.fix(f)


def test_one_rule_per_device_alert_type() -> None:
    rules = device_rules(alerts())
    assert [r.type for r in rules] == ["signal_lost", "idle", "off_grid", "too_fast"]
    assert all(r.type in ALERT_TYPES for r in rules)


def test_durations_read_as_people_say_them() -> None:
    assert duration(300.0) == ("5 分钟", "5 min")
    assert duration(90.0) == ("1.5 分钟", "1.5 min")
    assert duration(45.0) == ("45 秒", "45 s")
    assert duration(3600.0) == ("60 分钟", "60 min")


def a_day() -> list[Fix]:
    """Walk, stand 20 min, ride a scooter out of the grid, go silent, walk back."""
    rng = random.Random(5)
    fixes = follow(BEAT, 1.3, T, 3600.0, sigma=8.0, rng=rng)
    fixes += stand(T + 3600.0, 1200.0, 50.0, 50.0, sigma=8.0, rng=rng)
    ride = follow([(50.0, 50.0), (5050.0, 50.0)], 30 / 3.6, T + 4800.0, 600.0, sigma=8.0,
                  rng=rng, loop=False)
    fixes += [fix(f.ts, f.x, f.y, grid=-1 if f.x > 600 else 0) for f in ride]
    back = follow([(5050.0, 50.0), (0.0, 50.0)], 1.3, T + 6000.0, 3000.0, sigma=8.0,
                  rng=rng, loop=False)  # after 10 min without a fix
    fixes += [fix(f.ts, f.x, f.y, grid=-1) for f in back]
    return fixes


def test_a_replayed_day_raises_identical_alerts_whatever_the_tick_cadence() -> None:
    day = a_day()
    runs = []
    for every in (1.0, 7.0, 60.0, None):
        engine = Engine(alerts())
        engine.run(day, every)
        runs.append(engine)
    seen = [[(a.id, a.type, a.ts, a.cleared_ts) for a in e.book.history] for e in runs]
    assert {a.type for a in runs[0].book.history} == {"idle", "too_fast", "off_grid",
                                                      "signal_lost"}
    assert all(s == seen[0] for s in seen[1:])


steps = st.lists(st.one_of(
    st.tuples(st.just("fix"), st.floats(-30.0, 400.0), st.floats(-3000.0, 3000.0),
              st.floats(-3000.0, 3000.0), st.sampled_from([-1, 0, 1, 2]), st.booleans()),
    st.tuples(st.just("tick"), st.floats(-30.0, 400.0), st.booleans()),
), max_size=120)

KINDS = [INSPECTOR, DeviceInfo("v-1", "vehicle", (), None),
         DeviceInfo("p-9", "inspector", (1, 2), "g-2"), DeviceInfo("x", "drone", (0,), None)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, device=st.sampled_from(KINDS), small=st.booleans())
def test_any_sequence_keeps_one_open_alert_per_condition(
        steps: list[tuple[Any, ...]], device: DeviceInfo, small: bool) -> None:
    cfg = alerts(signal_lost_s=60.0, idle_s=60.0, off_grid_s=60.0, too_fast_s=20.0,
                 idle_radius_m=50.0) if small else alerts()
    engine = Engine(cfg, device)
    t = T
    for step in steps:
        t += step[1]
        if step[0] == "fix":
            _, _, x, y, grid, on_duty = step
            engine.fix(fix(t, x, y, grid=grid, on_duty=on_duty))
        else:
            engine.tick(t, step[2])
    engine.tick(t + 1.0, on_duty=False)  # the window closes: everything must be cleared

    open_now: set[str] = set()
    for event in engine.book.events:
        kind = event.alert.type
        if isinstance(event, AlertEvent):
            assert kind not in open_now
            assert event.alert.subject == {"device": device.id}
            assert event.grid == device.grid_id
            open_now.add(kind)
        else:
            assert kind in open_now
            assert event.alert.cleared_ts is not None
            assert event.alert.cleared_ts >= event.alert.ts
            open_now.remove(kind)
    assert open_now == set() and engine.book.open == {}
    ids = [a.id for a in engine.book.history]
    assert len(ids) == len(set(ids))
    assert engine.states == [None, None, None, None]
