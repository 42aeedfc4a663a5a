"""The bench grades roads with a parallel road close beside them apart (bench/judge/twins.py):
a divided street's two carriageways are twins, a street 20 m from the next is not."""

from __future__ import annotations

import numpy as np

from bench.judge.geo import Plane
from bench.judge.streets import Piece, StreetMap
from bench.judge.twins import twin_roads


def _city(gap: float) -> StreetMap:
    """A west road, two 300 m carriageways `gap` m apart from its end to an east road."""
    nodes = {1: np.array([-200.0, 0.0]), 2: np.array([0.0, 0.0]),
             3: np.array([340.0, 0.0]), 4: np.array([540.0, 0.0])}
    half = gap / 2.0

    def line(*pts: tuple[float, float]) -> np.ndarray:
        return np.array(pts, dtype=np.float64)

    pieces = [
        Piece(1, 2, line((-200, 0), (0, 0)), "west", "main", "w"),
        Piece(2, 3, line((0, 0), (20, half), (320, half), (340, 0)), "north", "main", "n"),
        Piece(2, 3, line((0, 0), (20, -half), (320, -half), (340, 0)), "south", "main", "s"),
        Piece(3, 4, line((340, 0), (540, 0)), "east", "main", "e"),
    ]
    return StreetMap("twins", Plane(24.9, 60.2), nodes, pieces)


def test_carriageways_9_m_apart_are_twins_and_the_roads_leading_to_them_are_not() -> None:
    city = _city(9.0)
    assert sorted(city.roads[i].id for i in twin_roads(city)) == ["n", "s"]


def test_carriageways_20_m_apart_are_not_twins() -> None:
    assert twin_roads(_city(20.0)) == frozenset()
