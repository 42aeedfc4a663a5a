"""idle: raised once a device has stayed within 20 m for 15 min; GPS noise neither breaks a
stay nor fakes one."""

from __future__ import annotations

import random

import pytest

from tests.tracking.rules.tracks import BEAT, DAY_S, OPEN_0730, Runner, alerts, fix, follow, stand
from tracking.rules.idle import Idle

T = OPEN_0730


def runner(**cfg: float) -> Runner:
    return Runner(Idle(alerts(**cfg)))


def test_raised_once_when_the_stay_reaches_fifteen_minutes() -> None:
    r = runner()
    r.feed(stand(T, 900.0, every=10.0))  # last fix at T + 890
    assert r.raised == []
    r.feed(stand(T + 900.0, 1800.0, every=10.0))
    assert len(r.raised) == 1
    alert = r.raised[0]
    assert alert.ts == T + 900.0
    assert alert.type == "idle" and alert.subject == {"device": "p-03"}
    assert alert.message == ("巡查员 p-03 已在 20 米范围内停留 15 分钟 / "
                             "inspector p-03 has stayed within 20 m for 15 min")
    assert alert.details["since"] == T and alert.details["duration_s"] == 900.0
    assert alert.details["fixes"] == 91
    assert r.cleared == []


def test_moving_off_just_before_the_threshold_raises_nothing() -> None:
    r = runner()
    r.feed(stand(T, 895.0, every=5.0))  # the last fix within the radius is at T + 890
    r.feed(follow([(25.0, 0.0), (2000.0, 0.0)], 1.2, T + 895.0, 600.0, loop=False))
    assert r.raised == []


def test_cleared_once_when_it_walks_away_and_a_new_stay_raises_anew() -> None:
    r = runner()
    r.feed(stand(T, 1000.0))
    walk = follow([(0.0, 0.0), (300.0, 0.0)], 1.2, T + 1000.0, 250.0, loop=False)
    r.feed(walk)
    assert len(r.cleared) == 1
    left = next(f.ts for f in walk if f.x > 20.0)
    assert r.cleared[0].cleared_ts == left  # it left when its first fix was outside
    r.feed(stand(T + 1250.0, 1000.0, 300.0, 0.0))
    assert len(r.raised) == 2 and r.raised[0].ts == T + 900.0
    assert T + 1250.0 + 900.0 - 20.0 <= r.raised[1].ts <= T + 1250.0 + 900.0


def test_a_single_spike_neither_clears_nor_restarts_the_stay() -> None:
    r = runner()
    fixes = stand(T, 2000.0, every=5.0)
    for i in (40, 200, 201, 300):  # jumps of 80-150 m, at most two fixes long
        fixes[i] = fix(fixes[i].ts, 80.0 + i / 4, -60.0)
    r.feed(fixes)
    assert [a.ts for a in r.raised] == [T + 900.0]
    assert r.cleared == []


@pytest.mark.parametrize("seed", range(8))
def test_a_standing_inspector_with_8m_noise_is_idle_after_fifteen_minutes(seed: int) -> None:
    r = runner()
    r.feed(stand(T, 3600.0, 10.0, -5.0, sigma=8.0, rng=random.Random(seed)))
    assert len(r.raised) == 1
    assert T + 900.0 <= r.raised[0].ts <= T + 960.0
    assert r.cleared == []


def test_even_10m_noise_does_not_break_an_hour_long_stay() -> None:
    r = runner()
    r.feed(stand(T, 3600.0, sigma=10.0, rng=random.Random(42)))
    assert len(r.raised) == 1 and r.cleared == []


@pytest.mark.parametrize(("seed", "every"), [(1, 1.0), (2, 5.0), (3, 30.0)])
def test_a_walker_at_1_2_m_s_is_never_idle_over_a_whole_day(seed: int, every: float) -> None:
    r = runner()
    r.feed(follow(BEAT, 1.2, T, DAY_S, every=every, sigma=8.0, rng=random.Random(seed)))
    assert r.raised == []


def test_a_slow_creep_out_of_the_radius_is_not_idle() -> None:
    r = runner()  # 6 cm/s: 54 m in 15 min, more than any 20 m circle holds
    r.feed(follow([(0.0, 0.0), (200.0, 0.0)], 0.06, T, 3000.0, sigma=3.0, loop=False))
    assert r.raised == []


def test_off_duty_fix_and_tick_clear_and_nothing_is_raised_off_duty() -> None:
    r = runner()
    r.feed(stand(T, 1000.0))
    r.fix(fix(T + 1000.0, on_duty=False))
    assert [a.cleared_ts for a in r.cleared] == [T + 1000.0]
    assert r.state is None
    r.feed([fix(T + 1000.0 + i, on_duty=False) for i in range(3600)])
    assert len(r.raised) == 1

    r = runner()
    r.feed(stand(T, 1000.0))
    r.tick(T + 999.5)
    r.tick(T + 1000.5, on_duty=False)
    assert [a.cleared_ts for a in r.cleared] == [T + 1000.5]
    assert r.state is None


def test_the_radius_and_duration_come_from_the_config() -> None:
    r = runner(idle_radius_m=5.0, idle_s=120.0)
    r.feed(stand(T, 200.0, every=10.0))
    assert [a.ts for a in r.raised] == [T + 120.0]
    assert "5 米" in r.raised[0].message and "2 min" in r.raised[0].message
    r = runner(idle_radius_m=5.0, idle_s=120.0)  # 0.2 m/s leaves 5 m in under a minute
    r.feed(follow([(0.0, 0.0), (500.0, 0.0)], 0.2, T, 600.0, every=10.0, loop=False))
    assert r.raised == []
