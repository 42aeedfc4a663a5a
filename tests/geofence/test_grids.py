"""CityIndex.grid_of: which responsibility grid holds each point."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from geofence.city import load_city
from geofence.index import CityIndex
from tests.geofence.citykit import grid, ll, road, write_city


def test_grid_of_polygons_multipolygons_and_outside(tmp_path: Path) -> None:
    grids = [grid("a", (0, 0, 100, 100)),
             grid("b", (200, 0, 300, 100), (500, 500, 600, 600)),  # MultiPolygon
             grid("c", (50, 50, 150, 150))]  # overlaps a: a comes first in the file
    roads = [road("r", (0, 0), (600, 600), grid="b")]
    index = CityIndex(load_city(write_city(tmp_path, roads=roads, grids=grids)))
    pts = [(10, 10), (250, 50), (550, 550), (120, 120), (75, 75), (400, 400), (-1, 50),
           (100, 50)]
    lon, lat = zip(*(ll(x, y) for x, y in pts), strict=True)
    got = index.grid_of([*lon, math.nan], [*lat, 31.0])
    a, b, c = index.grid_ids["a"], index.grid_ids["b"], index.grid_ids["c"]
    assert got.dtype == np.int32
    assert got.tolist() == [a, b, b, c, a, -1, -1, a, -1]
    assert index.road_grid.tolist() == [b]


def test_grid_of_without_grids(tmp_path: Path) -> None:
    index = CityIndex(load_city(write_city(tmp_path, grids=[],
                                           roads=[road("r", (0, 0), (10, 0))])))
    assert index.grid_of([121.47, 121.48], [31.23, 31.23]).tolist() == [-1, -1]
    assert index.grid_of([], []).shape == (0,)
