"""Random points against a random city: match never crashes and agrees with a brute force."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geofence.city import load_city
from geofence.index import CityIndex
from tests.geofence.citykit import multiroad, road, write_city

SIZE = 2000.0


def random_roads(rng: np.random.Generator) -> list[dict[str, Any]]:
    roads = []
    for i in range(40):
        kind = i % 4
        start = rng.uniform(0, SIZE, 2)
        if kind == 0:  # a random walk: curves, sharp turns, self-crossings
            steps = rng.normal(0, 60, (int(rng.integers(2, 15)), 2))
            pts = np.vstack((start, start + np.cumsum(steps, axis=0)))
            roads.append(road(f"w{i}", *map(tuple, pts)))
        elif kind == 1:  # straight and diagonal
            roads.append(road(f"s{i}", tuple(start), tuple(rng.uniform(0, SIZE, 2)),
                              cls="secondary"))
        elif kind == 2:  # parts in file order, possibly overlapping each other
            parts = [[tuple(p) for p in start + rng.normal(0, 100, (3, 2))] for _ in range(3)]
            roads.append(multiroad(f"m{i}", *parts))
        else:  # a short stub with a repeated vertex
            end = (start[0] + 8.0, start[1] + 3.0)
            roads.append(road(f"t{i}", tuple(start), tuple(start), end))
    return roads


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> CityIndex:
    folder = write_city(tmp_path_factory.mktemp("random"),
                        roads=random_roads(np.random.default_rng(11)))
    return CityIndex(load_city(folder), tolerance=25.0)


@pytest.fixture(scope="module")
def projected_roads(index: CityIndex) -> list[Any]:
    """The roads re-projected independently of the index's segment arrays, for the oracle."""
    out = []
    for r in index.roads:
        parts = []
        for part in getattr(r.geometry, "geoms", [r.geometry]):
            c = np.asarray(part.coords)
            x, y = index.project(c[:, 0], c[:, 1])
            parts.append(shapely.linestrings(np.column_stack((x, y))))
        out.append(shapely.multilinestrings(parts))
    return out


coord = st.floats(-100.0, SIZE + 100.0)
point = st.one_of(st.tuples(coord, coord), st.tuples(st.just(math.nan), coord))
heading = st.one_of(st.just(math.nan), st.floats(0.0, 360.0))


@settings(max_examples=60, deadline=None)
@given(pts=st.lists(point, min_size=1, max_size=40), headings=st.lists(heading, min_size=40,
                                                                        max_size=40),
       k=st.integers(1, 5), near=st.booleans())
def test_random_points(index: CityIndex, projected_roads: list[Any],
                       pts: list[tuple[float, float]], headings: list[float], k: int,
                       near: bool) -> None:
    xy = np.array(pts, dtype=np.float64)
    if near:  # pull points onto the road network so that most of them match something
        for i, (a, b) in enumerate(np.nan_to_num(xy)):
            r = int(a * 7) % len(index.roads)
            on_road = index.project(*index.road_point(r, (b % 1.0) * index.road_length[r]))
            xy[i] = np.array(on_road) + (np.array([a, b]) % 60.0) - 30.0
    lon, lat = index.unproject(xy[:, 0], xy[:, 1])
    m = index.match(lon, lat, heading=headings[: len(xy)] if k % 2 else None, k=k)
    n = len(xy)
    assert m.road.shape == m.dist.shape == m.offset.shape == m.bearing.shape == (n, k)
    found = m.road >= 0
    # Candidates fill the columns from the left, one per road, each within the tolerance.
    assert (found[:, 1:] <= found[:, :-1]).all()
    assert (m.dist[found] <= index.tolerance).all() and np.isnan(m.dist[~found]).all()
    lengths = index.road_length[m.road[found]]
    assert (m.offset[found] >= 0).all() and (m.offset[found] <= lengths).all()
    assert ((m.bearing[found] >= 0) & (m.bearing[found] < 360)).all()
    for i in range(n):
        row = m.road[i][found[i]]
        assert len(set(row.tolist())) == len(row)
        if not np.isfinite(xy[i]).all():
            assert len(row) == 0
            continue
        p = shapely.points(m.x[i], m.y[i])
        dists = shapely.distance(p, projected_roads)
        within = set(np.flatnonzero(dists <= index.tolerance - 1e-6).tolist())
        beyond = set(np.flatnonzero(dists > index.tolerance + 1e-6).tolist())
        assert not (set(row.tolist()) & beyond)
        assert min(k, len(within)) <= len(row) <= min(k, len(index.roads) - len(beyond))
        if k % 2 == 0 and within:  # no heading: the nearest road comes first
            assert m.dist[i, 0] == pytest.approx(dists.min(), abs=1e-6)
            assert (np.diff(m.dist[i][found[i]]) >= 0).all()
        for j, r in enumerate(row):
            assert m.dist[i, j] == pytest.approx(dists[r], abs=1e-6)
            # The offset names the place on the road nearest the point (where a part of a
            # MultiLineString ends, the same offset also names the next part's start).
            gaps = []
            for off in (float(m.offset[i, j]), float(m.offset[i, j]) - 1e-7):
                olon, olat = index.road_point(int(r), off)
                ox, oy = index.project(olon, olat)
                gaps.append(math.hypot(float(ox - m.x[i]), float(oy - m.y[i])))
            assert min(gaps) == pytest.approx(m.dist[i, j], abs=1e-3)
