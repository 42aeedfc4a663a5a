"""simulate_day on the bundled demo city: deterministic, realistic fixes, truthful truth."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import shapely

from geofence.city import load_city
from geofence.model import City
from model.position import Position
from simulator.geo import LocalProjection
from simulator.traces import SimDay, simulate_day

DEMO = Path(__file__).resolve().parents[2] / "cities" / "demo"
DATE = "2026-05-12"
NOISE = 8.0


@pytest.fixture(scope="module")
def city() -> City:
    return load_city(DEMO)


@pytest.fixture(scope="module")
def day(city: City) -> SimDay:
    return simulate_day(city, DATE, seed=11, noise_m=NOISE)


@pytest.fixture(scope="module")
def good_day(city: City) -> SimDay:
    """Everybody good, and no GPS error (the truth does not depend on it)."""
    return simulate_day(DEMO, DATE, seed=5, noise_m=0.0, behaviours={})


def _by_device(positions: list[Position]) -> dict[str, list[Position]]:
    out: dict[str, list[Position]] = defaultdict(list)
    for p in positions:
        out[p.device].append(p)
    return out


def _local(city: City, ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, zoneinfo.ZoneInfo(city.settings.timezone))


def test_same_seed_same_day(city: City, day: SimDay) -> None:
    again = simulate_day(city, DATE, seed=11, noise_m=NOISE)
    assert again.positions == day.positions
    assert again.truth_passes == day.truth_passes
    assert again.truth_alerts == day.truth_alerts


def test_a_whole_day_at_one_fix_a_second(city: City, day: SimDay) -> None:
    assert [p.ts for p in day.positions] == sorted(p.ts for p in day.positions)
    devices = _by_device(day.positions)
    assert sorted(devices) == sorted(d for g in city.grids for d in g.inspectors)
    start, end = day.window
    assert _local(city, start).strftime("%Y-%m-%d %H:%M") == f"{DATE} 07:30"
    assert _local(city, end).strftime("%H:%M") == "18:30"
    for fixes in devices.values():
        ts = np.array([p.ts for p in fixes])
        assert ts[0] < start - 5 * 60 and ts[-1] > end + 60  # early in, late out
        steps = np.diff(ts)
        assert np.all(steps >= 0.999) and np.median(steps) == pytest.approx(1.0)
        assert len(fixes) > 0.95 * (ts[-1] - ts[0]) - 700  # gaps: dropouts (and 'dark')
        assert all(p.acc is not None and 3.0 < p.acc < 40.0 for p in fixes)
        assert all(-90 < p.lat < 90 and -180 < p.lon < 180 for p in fixes)


def test_good_inspectors_give_every_road_its_passes(city: City, good_day: SimDay) -> None:
    for road in city.roads:
        assert good_day.truth_passes[road.id] >= road.required, road.id
        assert len(good_day.truth_pass_times[road.id]) == good_day.truth_passes[road.id]
    assert good_day.truth_alerts == []


def test_every_rule_fires_in_the_default_demo_day(day: SimDay) -> None:
    kinds = {a["type"] for a in day.truth_alerts}
    assert kinds == {"coverage_behind", "road_unvisited", "road_missed", "idle", "off_grid",
                     "too_fast", "signal_lost"}
    by_behaviour = {b: d for d, b in day.behaviours.items() if b != "good"}
    expected = {"idle": "idle", "leaves": "off_grid", "scooter": "too_fast",
                "dark": "signal_lost"}
    for behaviour, kind in expected.items():
        hits = [a for a in day.truth_alerts if a["type"] == kind]
        assert [a["device"] for a in hits] == [by_behaviour[behaviour]]
        assert day.window[0] < hits[0]["ts"] < day.window[1]
    skipped = day.skipped[by_behaviour["skips"]]
    assert len(skipped) == 3
    for road in skipped:
        kinds_here = {a["type"] for a in day.truth_alerts if a.get("road") == road}
        assert {"coverage_behind", "road_missed"} <= kinds_here
    assert any(a["type"] == "road_unvisited" and a["road"] in skipped for a in day.truth_alerts)


def test_misbehaviours_show_in_the_fixes(city: City, day: SimDay) -> None:
    devices = _by_device(day.positions)
    who = {b: d for d, b in day.behaviours.items()}
    ws, we = day.window

    def longest(mask: np.ndarray, ts: np.ndarray) -> float:
        best, start = 0.0, None
        for t, m in zip(ts, mask, strict=True):
            start = (t if start is None else start) if m else None
            best = max(best, t - start) if start is not None else best
        return best

    ride = devices[who["scooter"]]
    ts = np.array([p.ts for p in ride])
    assert longest(np.array([(p.speed or 0) > 25 / 3.6 for p in ride]), ts) >= 300.0
    dark = np.array([p.ts for p in devices[who["dark"]] if ws <= p.ts <= we])
    assert np.diff(dark).max() >= 600.0
    idle = devices[who["idle"]]
    assert longest(np.array([p.speed == 0 for p in idle]), np.array([p.ts for p in idle])) \
        >= 20 * 60.0
    grid = next(g for g in city.grids if who["leaves"] in g.inspectors).geometry
    away = devices[who["leaves"]]
    outside = ~shapely.contains_xy(grid, [p.lon for p in away], [p.lat for p in away])
    assert longest(outside, np.array([p.ts for p in away])) >= 10 * 60.0
    for device, fixes in devices.items():
        if day.behaviours[device] == "good":
            inside = np.array([p.ts for p in fixes if ws <= p.ts <= we])
            assert np.diff(inside).max() < 60.0  # short dropouts only
            assert max(p.speed or 0 for p in fixes) < 2.5


def _road_distances(city: City, fixes: list[Position]) -> np.ndarray:
    proj = LocalProjection(116.9, 36.6)
    tree = shapely.STRtree([proj.geom_to_xy(r.geometry) for r in city.roads])
    x, y = proj.to_xy(np.array([p.lon for p in fixes]), np.array([p.lat for p in fixes]))
    _, dist = tree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
    return np.asarray(dist)


def test_walking_fixes_stay_near_roads_with_the_asked_noise(city: City, day: SimDay) -> None:
    walking = [p for p in day.positions[::7] if p.speed is not None and 0.5 < p.speed < 2.5]
    dist = _road_distances(city, walking)
    assert np.mean(dist < 4 * NOISE) > 0.999
    # The across-road error has std noise_m; junctions shorten a few distances.
    assert np.sqrt(np.mean(dist ** 2)) == pytest.approx(NOISE, rel=0.25)


def test_without_noise_fixes_lie_on_the_roads(city: City, good_day: SimDay) -> None:
    walking = [p for p in good_day.positions[::50] if p.speed is not None and p.speed > 0.5]
    assert _road_distances(city, walking).max() < 0.05


@pytest.mark.parametrize("kwargs, message", [
    ({"behaviours": {"p-g1-a": "sleeps"}}, "unknown behaviour"),
    ({"behaviours": {"nobody": "idle"}}, "not an inspector"),
    ({"noise_m": -1.0}, "noise_m"),
    ({"date": "12/05/2026"}, "isoformat"),
])
def test_bad_arguments_are_refused(city: City, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"date": DATE, "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate_day(city, **args)  # type: ignore[arg-type]


def test_any_number_of_inspectors_per_grid(city: City) -> None:
    grids = list(city.grids)
    grids[0] = dataclasses.replace(grids[0], inspectors=("x1", "x2", "x3"))
    grids[1] = dataclasses.replace(grids[1], inspectors=("y1",))
    grids[2] = dataclasses.replace(grids[2], inspectors=())
    roads = list(city.roads)
    orphan = roads[0].id
    roads[0] = dataclasses.replace(roads[0], grid=None)
    odd = dataclasses.replace(city, grids=tuple(grids), roads=tuple(roads))
    day = simulate_day(odd, DATE, seed=4, behaviours={"x2": "skips", "y1": "good"})
    assert {"x1", "x2", "x3", "y1"} <= set(day.behaviours)
    assert not any(d in day.behaviours for d in city.grids[2].inspectors)
    missed = {a["road"] for a in day.truth_alerts if a["type"] == "road_missed"}
    unpatrolled = {r.id for r in odd.roads if r.grid == grids[2].id} | {orphan}
    assert all(day.truth_passes[r] == 0 for r in unpatrolled)
    assert unpatrolled | set(day.skipped["x2"]) <= missed
    for road in odd.roads:  # three inspectors easily cover grid 1
        if road.grid == grids[0].id and road.id not in day.skipped["x2"]:
            assert day.truth_passes[road.id] >= road.required
