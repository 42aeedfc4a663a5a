"""off_grid: raised once a device has been outside every assigned grid for 10 min; noisy fixes
near the border neither raise nor clear it."""

from __future__ import annotations

import random

import pytest

from tests.tracking.rules.tracks import INSPECTOR, OPEN_0730, VEHICLE, Runner, alerts, fix
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.off_grid import OffGrid

T = OPEN_0730
TWO_GRIDS = DeviceInfo(id="p-07", kind="inspector", grids=(0, 2), grid_id="g-1")


def runner(device: DeviceInfo = INSPECTOR, **cfg: float) -> Runner:
    return Runner(OffGrid(alerts(**cfg)), device)


def path(t0: float, seconds: float, grid: int, every: float = 1.0) -> list[Fix]:
    return [fix(t0 + i * every, i * 0.5, 0.0, grid=grid) for i in range(int(seconds / every))]


def noisy(t0: float, seconds: float, grid: int, share_out: float, seed: int) -> list[Fix]:
    """Fixes in `grid` of which a share lands outside (-1), as GPS noise does at a border."""
    rng = random.Random(seed)
    return [fix(t0 + i, grid=-1 if rng.random() < share_out else grid)
            for i in range(int(seconds))]


def test_raised_once_ten_minutes_after_leaving() -> None:
    r = runner()
    r.feed(path(T, 100.0, 0, every=5.0))
    r.feed(path(T + 100.0, 595.0, -1, every=5.0))  # last outside fix at T + 690
    assert r.raised == []
    r.feed(path(T + 695.0, 1200.0, -1, every=5.0))
    assert [a.ts for a in r.raised] == [T + 700.0]
    alert = r.raised[0]
    assert alert.type == "off_grid" and alert.severity == "warning"
    assert alert.message == ("巡查员 p-03 已离开责任网格 10 分钟 / "
                             "inspector p-03 has been outside its grids for 10 min")
    assert alert.details["since"] == T + 100.0 and alert.details["duration_s"] == 600.0
    assert alert.details["grid"] == "g-1"
    assert r.cleared == []


def test_another_grid_than_its_own_is_outside_and_any_assigned_one_is_inside() -> None:
    r = runner()
    r.feed(path(T, 700.0, 5))
    assert [a.ts for a in r.raised] == [T + 600.0]
    r = runner(TWO_GRIDS)
    r.feed(path(T, 300.0, 0) + path(T + 300.0, 3000.0, 2))
    assert r.raised == [] and r.state is None


def test_back_just_before_the_threshold_raises_nothing() -> None:
    r = runner()
    r.feed(path(T, 599.0, -1) + path(T + 599.0, 60.0, 0) + path(T + 659.0, 599.0, -1))
    assert r.raised == []


def test_cleared_after_thirty_seconds_back_inside() -> None:
    r = runner()
    r.feed(path(T, 900.0, -1))
    r.feed(path(T + 900.0, 29.0, 0))
    assert r.cleared == []
    r.feed(path(T + 929.0, 100.0, 0))
    # 30 s after the last fix outside (T + 899)
    assert [a.cleared_ts for a in r.cleared] == [T + 929.0]
    assert r.state is None


@pytest.mark.parametrize(("seed", "share_out"), [(1, 0.05), (2, 0.1), (3, 0.2), (4, 0.3)])
def test_noisy_fixes_at_the_border_do_not_raise(seed: int, share_out: float) -> None:
    r = runner()
    r.feed(noisy(T, 4 * 3600.0, 0, share_out, seed))
    assert r.raised == []


@pytest.mark.parametrize("seed", range(4))
def test_noisy_fixes_inside_neither_delay_nor_clear_a_real_excursion(seed: int) -> None:
    r = runner()
    r.feed(noisy(T, 1200.0, -1, 0.8, seed))  # 20 % of the fixes fall back inside the grid
    assert len(r.raised) == 1 and r.cleared == []
    first_out = next(a for a in range(1200) if r.raised[0].details["since"] == T + a)
    assert T + first_out + 600.0 <= r.raised[0].ts <= T + first_out + 603.0
    back = noisy(T + 1200.0, 600.0, 0, 0.2, seed)  # returns, still with noise
    r.feed(back)
    assert len(r.cleared) == 1
    assert T + 1230.0 <= (r.cleared[0].cleared_ts or 0.0) <= T + 1300.0


def test_sparse_fixes_count_their_time_but_one_fix_cannot_clear() -> None:
    r = runner()
    r.feed(path(T, 660.0, -1, every=60.0))  # one fix a minute
    assert [a.ts for a in r.raised] == [T + 600.0]
    r.fix(fix(T + 1800.0, grid=0))  # after a long silence, one fix inside
    assert r.cleared == []
    r.feed([fix(T + 1810.0, grid=0), fix(T + 1820.0, grid=0)])
    assert [a.cleared_ts for a in r.cleared] == [T + 1820.0]


def test_devices_without_grids_are_never_off_grid() -> None:
    r = runner(VEHICLE)
    r.feed(path(T, 3600.0, -1, every=5.0))
    assert r.raised == [] and r.state is None


def test_off_duty_clears_and_nothing_is_raised_off_duty() -> None:
    r = runner()
    r.feed(path(T, 700.0, -1))
    r.fix(fix(T + 700.0, grid=-1, on_duty=False))
    assert [a.cleared_ts for a in r.cleared] == [T + 700.0]
    r.feed([fix(T + 700.0 + i, grid=-1, on_duty=False) for i in range(3600)])
    assert len(r.raised) == 1 and r.state is None

    r = runner()
    r.feed(path(T, 700.0, -1))
    r.tick(T + 700.0)
    r.tick(T + 701.0, on_duty=False)
    assert [a.cleared_ts for a in r.cleared] == [T + 701.0]
    assert r.state is None


def test_the_duration_comes_from_the_config() -> None:
    r = runner(off_grid_s=120.0)
    r.feed(path(T, 200.0, -1, every=10.0))
    assert [a.ts for a in r.raised] == [T + 120.0]
    assert "2 分钟" in r.raised[0].message
