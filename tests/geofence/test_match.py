"""CityIndex.match: nearest roads first, heading re-ranking, linear referencing, tolerance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from geofence.city import load_city
from geofence.index import CityIndex
from tests.geofence.citykit import ll, multiroad, road, write_city

R = 200.0  # radius of the curved road, metres
ARC_STEPS = 90
ARC = [(1000 + R * math.sin(math.radians(a)), R * math.cos(math.radians(a)))
       for a in range(0, 91, 90 // ARC_STEPS)]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> CityIndex:
    roads = [
        road("ew", (-200, 0), (200, 0)),  # the junction: ew crosses ns at (0, 0)
        road("ns", (0, -200), (0, 200)),
        road("p0", (-200, 500), (200, 500)),  # parallel pair, 15 m apart
        road("p15", (-200, 515), (200, 515)),
        road("arc", *ARC),  # quarter circle around (1000, 0), clockwise from north
        multiroad("multi", [(0, 1000), (100, 1000)], [(300, 1000), (300, 1050)]),
    ]
    folder = write_city(tmp_path_factory.mktemp("city"), roads=roads)
    return CityIndex(load_city(folder))


def at(index: CityIndex, *xy: tuple[float, float]) -> tuple[list[float], list[float]]:
    pts = [ll(x, y) for x, y in xy]
    return [p[0] for p in pts], [p[1] for p in pts]


def ids(index: CityIndex, row: np.ndarray) -> list[str]:
    return [index.roads[r].id for r in row if r >= 0]


def test_junction_nearest_first_without_heading(index: CityIndex) -> None:
    m = index.match(*at(index, (3, 4)))
    assert ids(index, m.road[0]) == ["ns", "ew"]
    assert m.dist[0, :2] == pytest.approx([3, 4], abs=0.01)
    assert m.road[0, 2] == -1 and math.isnan(m.dist[0, 2])


@pytest.mark.parametrize(("heading", "first"), [
    (90.0, "ew"), (270.0, "ew"), (100.0, "ew"), (0.0, "ns"), (180.0, "ns"), (350.0, "ns"),
    (float("nan"), "ns"),
])
def test_junction_heading_picks_the_road_walked(index: CityIndex, heading: float,
                                                first: str) -> None:
    m = index.match(*at(index, (3, 4)), heading=[heading])
    assert ids(index, m.road[0])[0] == first
    # The real distances stay in the answer, whatever the ranking.
    got = dict(zip(ids(index, m.road[0]), m.dist[0, :2], strict=True))
    assert got == pytest.approx({"ns": 3.0, "ew": 4.0}, abs=0.01)


def test_scalar_heading_applies_to_all_points(index: CityIndex) -> None:
    m = index.match(*at(index, (3, 4), (-4, 3)), heading=90.0)
    assert ids(index, m.road[:, 0]) == ["ew", "ew"]


def test_parallel_roads_both_candidates_nearest_first(index: CityIndex) -> None:
    m = index.match(*at(index, (50, 504), (-20, 511), (0, 530), (0, 541)))
    assert ids(index, m.road[0]) == ["p0", "p15"]
    assert m.dist[0, :2] == pytest.approx([4, 11], abs=0.01)
    assert ids(index, m.road[1]) == ["p15", "p0"]
    assert ids(index, m.road[2]) == ["p15"]  # 15 m from p15, 30 m from p0
    assert ids(index, m.road[3]) == []  # 26 m: beyond the 25 m tolerance
    assert m.offset[0, :2] == pytest.approx([250, 250], abs=0.05)
    assert m.bearing[0, :2] == pytest.approx([90, 90], abs=0.5)


def test_offsets_along_a_curved_road(index: CityIndex) -> None:
    arc = index.road_ids["arc"]
    chord = 2 * R * math.sin(math.radians(90 / ARC_STEPS) / 2)
    assert index.road_length[arc] == pytest.approx(ARC_STEPS * chord, abs=0.05)
    steps = [0, 10, 45, 77, 90]
    pts = [(1000 + (R + 5) * math.sin(math.radians(a)), (R + 5) * math.cos(math.radians(a)))
           for a in steps]
    m = index.match(*at(index, *pts))
    assert (m.road[:, 0] == arc).all()
    assert m.offset[:, 0] == pytest.approx([s * chord for s in steps], abs=0.05)
    assert m.dist[:, 0] == pytest.approx([5.0] * len(steps), abs=0.02)
    # Clockwise from north: the road heads east at the top, south at the end.
    assert m.bearing[0, 0] == pytest.approx(90.5, abs=0.6)
    assert m.bearing[-1, 0] == pytest.approx(179.5, abs=0.6)


def test_offsets_along_a_multilinestring(index: CityIndex) -> None:
    multi = index.road_ids["multi"]
    assert index.road_length[multi] == pytest.approx(150, abs=0.02)
    m = index.match(*at(index, (50, 1003), (304, 1020), (300, 1060), (-10, 1000)))
    assert (m.road[:, 0] == multi).all()
    # Parts laid end to end: the gap between them adds nothing.
    assert m.offset[:, 0] == pytest.approx([50, 120, 150, 0], abs=0.05)
    assert m.bearing[:2, 0] == pytest.approx([90, 0], abs=0.5)


def test_beyond_tolerance_and_bad_points(index: CityIndex) -> None:
    lon, lat = at(index, (0, -224), (0, -226), (5000, 5000))
    m = index.match([*lon, float("nan"), math.inf], [*lat, 31.2, 31.2])
    assert m.road[:, 0].tolist() == [index.road_ids["ns"], -1, -1, -1, -1]
    assert np.isnan(m.dist[1:]).all() and np.isnan(m.offset[1:]).all()
    assert m.dist[0, 0] == pytest.approx(24, abs=0.01)
    assert m.offset[0, 0] == 0.0


def test_tolerance_and_k(index: CityIndex) -> None:
    strict = CityIndex(index.city, tolerance=3.5)
    m = strict.match(*at(strict, (3, 4)), k=1)
    assert m.road.shape == (1, 1)
    assert ids(strict, m.road[0]) == ["ns"]
    assert strict.match(*at(strict, (5, 4))).road[0, 0] == -1
    with pytest.raises(ValueError, match="k must be"):
        index.match([121.47], [31.23], k=0)
    with pytest.raises(ValueError, match="tolerance"):
        CityIndex(index.city, tolerance=0)


def test_projected_coordinates_and_empty_batch(index: CityIndex) -> None:
    lon, lat = at(index, (10, 20), (30, 40))
    m = index.match(lon, lat)
    x, y = index.project(lon, lat)
    assert m.x.tolist() == x.tolist() and m.y.tolist() == y.tolist()
    assert np.hypot(m.x[1] - m.x[0], m.y[1] - m.y[0]) == pytest.approx(800**0.5, abs=1e-3)
    empty = index.match([], [])
    assert empty.road.shape == (0, 3) and empty.x.shape == (0,)


def test_road_point_walks_the_road(index: CityIndex, tmp_path: Path) -> None:
    multi = index.road_ids["multi"]
    for offset, expect in [(0, (0, 1000)), (50, (50, 1000)), (100, (100, 1000)),
                           (120, (300, 1020)), (150, (300, 1050)), (999, (300, 1050)),
                           (-5, (0, 1000))]:
        lon, lat = index.road_point(multi, offset)
        x, y = index.project(lon, lat)
        ex, ey = index.project(*ll(*expect))
        assert math.hypot(float(x - ex), float(y - ey)) < 0.02, offset
    arc = index.road_ids["arc"]
    half = index.road_point(arc, index.road_length[arc] / 2)
    m = index.match([half[0]], [half[1]])
    assert m.road[0, 0] == arc and m.dist[0, 0] < 0.01
    assert m.offset[0, 0] == pytest.approx(index.road_length[arc] / 2, abs=0.01)
    with pytest.raises(IndexError):
        index.road_point(len(index.roads), 0)


def test_per_road_arrays(index: CityIndex) -> None:
    assert [r.length_m for r in index.roads] == pytest.approx(index.road_length.tolist(),
                                                              abs=1e-6)
    assert index.road_required.dtype == np.int32 and (index.road_required == 5).all()
    assert (index.road_grid == -1).all()  # none of these roads names a grid
    assert index.road_ids["ns"] == 1


def test_a_radius_per_point_looks_further_up_to_the_reach(index: CityIndex) -> None:
    # 35 m north of ew, far from every other road; then 70 m north of it.
    lon, lat = at(index, (-150, 35), (-150, 35), (-150, 35), (-150, 70))
    m = index.match(lon, lat, radius=[0.0, 40.0, 80.0, 80.0])
    assert ids(index, m.road[0]) == []  # at most the tolerance (25 m)
    assert ids(index, m.road[1]) == ["ew"]
    assert m.dist[1, 0] == pytest.approx(35.0, abs=0.1)
    assert ids(index, m.road[2]) == ["ew"]  # 80 m asked, the reach (60 m) given
    assert ids(index, m.road[3]) == []
    plain = index.match(lon, lat)
    assert all(ids(index, row) == [] for row in plain.road)
