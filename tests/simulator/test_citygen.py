"""The generated demo city: deterministic, valid for docs/contract.md §1, patrollable."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiLineString

from geofence.city import load_city
from geofence.index import CityIndex
from geofence.model import City
from simulator.citygen import main as citygen_main
from simulator.geo import LocalProjection
from simulator.graph import RoadGraph

DEMO = Path(__file__).resolve().parents[2] / "cities" / "demo"
DEMO_SEED = 9  # the seed cities/demo/README.md names


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    citygen_main(["--seed", str(DEMO_SEED), "--out", str(out)])
    return out


@pytest.fixture(scope="module")
def city(written: Path) -> City:
    return load_city(written)


@pytest.fixture(scope="module")
def graph(city: City) -> RoadGraph:
    lines = MultiLineString([list(r.geometry.coords) for r in city.roads])
    return RoadGraph(city, LocalProjection.around(lines))


def test_same_seed_gives_identical_files_and_matches_the_bundled_demo(
        written: Path, tmp_path: Path) -> None:
    citygen_main(["--seed", str(DEMO_SEED), "--out", str(tmp_path)])
    names = ["roads.geojson", "grids.geojson", "cameras.geojson", "city.toml", "README.md"]
    for name in names:
        assert (tmp_path / name).read_bytes() == (written / name).read_bytes(), name
        assert (DEMO / name).read_bytes() == (written / name).read_bytes(), \
            f"cities/demo/{name} is stale: regenerate it with the command in its README"


def test_another_seed_gives_another_town(written: Path, tmp_path: Path) -> None:
    citygen_main(["--seed", "3", "--out", str(tmp_path)])
    assert (tmp_path / "roads.geojson").read_bytes() != (written / "roads.geojson").read_bytes()
    assert len(load_city(tmp_path).grids) == 8


def test_loads_with_the_contract_loader_and_index(city: City) -> None:
    index = CityIndex(city)
    assert len(city.grids) == 8
    assert [g.id for g in city.grids] == [f"g{i}" for i in range(1, 9)]
    assert all(g.inspectors == (f"p-{g.id}-a", f"p-{g.id}-b") for g in city.grids)
    assert len({g.name for g in city.grids}) == 8
    ids = [r.id for r in city.roads]
    assert len(set(ids)) == len(ids)
    assert {r.cls for r in city.roads} == {"main", "secondary"}
    assert all(r.grid in index.grid_ids for r in city.roads)
    assert city.settings.timezone == "Asia/Shanghai"
    assert (city.settings.window_start_min, city.settings.window_end_min) == (450, 1110)


def test_files_are_plain_contract_geojson(written: Path) -> None:
    roads = json.loads((written / "roads.geojson").read_text(encoding="utf-8"))
    for f in roads["features"]:
        assert set(f["properties"]) == {"id", "name", "class", "grid"}
        assert f["geometry"]["type"] == "LineString"
        for lon, lat in f["geometry"]["coordinates"]:
            assert 116.8 < lon < 117.0 and 36.5 < lat < 36.7  # lon/lat order, near the centre
            assert round(lon, 7) == lon and round(lat, 7) == lat


def test_about_25_square_km_of_town(city: City) -> None:
    proj = LocalProjection(116.9, 36.6)
    union = proj.geom_to_xy(shapely.union_all([g.geometry for g in city.grids]))
    minx, miny, maxx, maxy = union.bounds
    assert 20e6 < (maxx - minx) * (maxy - miny) < 30e6
    assert 4000 < maxx - minx < 6000 and 4000 < maxy - miny < 6000


def test_grids_are_valid_and_do_not_overlap(city: City) -> None:
    proj = LocalProjection(116.9, 36.6)
    shapes = [proj.geom_to_xy(g.geometry) for g in city.grids]
    assert all(s.is_valid and s.geom_type == "Polygon" for s in shapes)
    for a, b in itertools.combinations(shapes, 2):
        assert a.intersection(b).area < 1.0  # m²: rounding to 1e-7 degrees at most


def test_roads_lie_in_their_grid_and_have_patrol_lengths(city: City, graph: RoadGraph) -> None:
    grids = {g.id: graph.proj.geom_to_xy(g.geometry).buffer(1.0) for g in city.grids}
    for i, road in enumerate(city.roads):
        line = graph.proj.geom_to_xy(road.geometry)
        assert line.is_valid and line.is_simple
        assert grids[str(road.grid)].contains(line), road.id
        assert 150.0 <= graph.road_length[i] <= 1500.0, road.id
        assert road.name.endswith(")") and "(" in road.name


def test_every_grid_has_6_to_9_km_of_connected_road(city: City, graph: RoadGraph) -> None:
    total: dict[str, float] = defaultdict(float)
    for i, road in enumerate(city.roads):
        total[str(road.grid)] += graph.road_length[i]
    for g in city.grids:
        assert 6000.0 <= total[g.id] <= 9000.0, (g.id, total[g.id])
        assert len(graph.components(graph.grid_edges(g.id))) == 1, g.id


def test_roads_meet_only_at_their_ends(graph: RoadGraph, city: City) -> None:
    # One edge per road: a walk from end to end is exactly one traversal.
    assert len(graph.edges) == len(city.roads)


def test_not_only_a_lattice(city: City, graph: RoadGraph) -> None:
    lines = [graph.proj.geom_to_xy(r.geometry) for r in city.roads]
    bends = [ln.length / shapely.Point(ln.coords[0]).distance(shapely.Point(ln.coords[-1]))
             for ln in lines]
    assert sum(b > 1.01 for b in bends) >= 5  # curved pieces (ring, river bank, winding lane)
    bearings = []
    for ln in lines:
        (x0, y0), (x1, y1) = ln.coords[0], ln.coords[-1]
        bearings.append(np.degrees(np.arctan2(x1 - x0, y1 - y0)) % 90.0)
    assert np.ptp(bearings) > 30.0  # directions other than the two lattice ones
    assert sum(r.cls == "secondary" for r in city.roads) >= 0.2 * len(city.roads)


def test_no_road_is_mostly_within_reach_of_another(city: City, graph: RoadGraph) -> None:
    # Walking one road must never look like covering most of another one.
    lines = [graph.proj.geom_to_xy(r.geometry) for r in city.roads]
    for i, ln in enumerate(lines):
        others = shapely.union_all([o.buffer(35.0) for j, o in enumerate(lines)
                                    if j != i and o.distance(ln) < 35.0])
        assert ln.intersection(others).length / ln.length < 0.6, city.roads[i].id


def test_cameras_watch_main_roads_with_a_roi(city: City) -> None:
    roads = {r.id: r for r in city.roads}
    assert len(city.cameras) == 4
    for cam in city.cameras:
        assert cam.source == "push"
        assert cam.road in roads and roads[cam.road].cls == "main"
        assert cam.roi is not None and len(cam.roi) >= 3
        assert all(0 <= x <= 1280 and 0 <= y <= 720 for x, y in cam.roi)
