"""Ground-truth pass counting and road alerts follow docs/contract.md §2 and 3."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Polygon

from geofence.model import City, CitySettings, Grid, Road
from simulator.dayplan import DevicePlan
from simulator.geo import LocalProjection
from simulator.graph import RoadGraph
from simulator.routes import DayPlanner
from simulator.truth import count_passes, road_alerts

PROJ = LocalProjection(116.9, 36.6)
WS, WE = 1_000_000.0, 1_000_000.0 + 11 * 3600.0


def _ll(coords: list[tuple[float, float]]) -> LineString:
    return LineString(PROJ.geom_to_lonlat(LineString(coords)).coords)


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    # A: 500 m east; B: 300 m north from A's end; C: crosses A in its middle.
    roads = (
        Road("A", "A路", "main", 5, "g1", _ll([(0, 0), (500, 0)]), 500.0),
        Road("B", "B街", "secondary", 4, "g1", _ll([(500, 0), (500, 300)]), 300.0),
        Road("C", "C街", "secondary", 4, "g1", _ll([(250, -200), (250, 200)]), 400.0),
    )
    grid = Grid("g1", "一网格", ("p1",),
                PROJ.geom_to_lonlat(Polygon([(-50, -250), (600, -250), (600, 350), (-50, 350)])))
    return RoadGraph(City("t", roads, (grid,), (), CitySettings()), PROJ)


def _edge(graph: RoadGraph, road: str, x: float, y: float = 0.0) -> tuple[int, bool]:
    """The edge of a road that has an end at (x, y) metres, walked away from that end."""
    ri = next(i for i, r in enumerate(graph.city.roads) if r.id == road)
    for e in graph.edges:
        for node, forward in ((e.u, True), (e.v, False)):
            if e.road == ri and np.hypot(*(graph.node_xy[node] - (x, y))) < 1.0:
                return e.index, forward
    raise AssertionError(road)


def _planner(graph: RoadGraph, start: float) -> DayPlanner:
    p = DayPlanner(graph, "p1", [], set(range(len(graph.edges))), (WS, WE),
                   np.random.default_rng(0), 1.2)
    p.t = start
    return p


def _passes(graph: RoadGraph, p: DayPlanner) -> dict[str, int]:
    plan = DevicePlan("p1", "g1", "good", 1.2, p.legs, [], [])
    return {k: len(v) for k, v in count_passes(graph, [plan], (WS, WE)).items()}


def _a_steps(graph: RoadGraph, back: bool = False) -> list[tuple[int, bool]]:
    """A from west to east (or back): two edges, as C's crossing cuts it at 250 m."""
    ends = [int(np.argmin(np.hypot(*(graph.node_xy - (x, 0.0)).T))) for x in (0.0, 500.0)]
    a_edges = {e.index for e in graph.edges if graph.city.roads[e.road].id == "A"}
    start, goal = (ends[1], ends[0]) if back else (ends[0], ends[1])
    return graph.path(start, goal, a_edges)


def _walk_a(graph: RoadGraph, p: DayPlanner, back: bool = False) -> None:
    for s in _a_steps(graph, back):
        p.move(s)


def test_roads_crossing_mid_way_are_cut_at_the_junction(graph: RoadGraph) -> None:
    assert len(graph.edges) == 5  # A and C in two pieces each, B whole


def test_a_road_walked_end_to_end_is_one_pass_and_back_again_another(graph: RoadGraph) -> None:
    p = _planner(graph, WS + 60)
    _walk_a(graph, p)
    assert _passes(graph, p)["A"] == 1
    _walk_a(graph, p, back=True)
    counts = _passes(graph, p)
    assert counts["A"] == 2
    assert counts["C"] == 0  # crossing C covers a point of it, not 80 %


def test_under_80_percent_out_and_back_is_no_pass(graph: RoadGraph) -> None:
    p = _planner(graph, WS + 60)
    b = _edge(graph, "B", 500.0)
    p.move(b, frac=(0.0, 0.75) if b[1] else (1.0, 0.25))
    p.move((b[0], not b[1]), frac=(0.75, 0.0) if b[1] else (0.25, 1.0))
    assert _passes(graph, p)["B"] == 0


def test_a_long_break_ends_the_traversal(graph: RoadGraph) -> None:
    p = _planner(graph, WS + 60)
    first, second = _a_steps(graph)
    p.move(first)
    p.stand(120.0, kind="dark")
    p.move(second)
    assert _passes(graph, p)["A"] == 0


def test_a_short_gap_keeps_the_traversal(graph: RoadGraph) -> None:
    p = _planner(graph, WS + 60)
    first, second = _a_steps(graph)
    p.move(first)
    p.stand(30.0, kind="dark")
    p.move(second)
    assert _passes(graph, p)["A"] == 1


def test_riding_counts_nothing(graph: RoadGraph) -> None:
    p = _planner(graph, WS + 60)
    for s in _a_steps(graph):
        p.move(s, kind="ride", speed=8.5)
    assert _passes(graph, p)["A"] == 0


def test_outside_the_window_counts_nothing(graph: RoadGraph) -> None:
    p = _planner(graph, WS - 1000)
    _walk_a(graph, p)
    q = _planner(graph, WE + 10)
    _walk_a(graph, q)
    assert _passes(graph, p)["A"] == 0 and _passes(graph, q)["A"] == 0
    # Straddling the opening: 60 % walked after it is not a pass.
    r = _planner(graph, WS - 0.4 * 500 / 1.0)
    for s in _a_steps(graph):
        r.move(s, speed=1.0)
    assert _passes(graph, r)["A"] == 0


def test_road_alerts_follow_the_schedule(graph: RoadGraph) -> None:
    span = WE - WS
    times = {"A": [WS + span * k / 5 - 60 for k in range(1, 6)],  # on schedule all day
             "B": [WS + 100.0],  # one early pass, then nothing
             "C": []}
    alerts = road_alerts(graph.city, times, (WS, WE))
    by_road: dict[str, list[str]] = {}
    for a in alerts:
        by_road.setdefault(a["road"], []).append(a["type"])
    assert "A" not in by_road
    assert by_road["B"] == ["coverage_behind", "road_unvisited", "road_missed"]
    assert sorted(by_road["C"]) == ["coverage_behind", "road_missed", "road_unvisited"]
    c_behind = next(a for a in alerts if a["road"] == "C" and a["type"] == "coverage_behind")
    assert c_behind["ts"] == pytest.approx(WS + span / 4)  # one pass due after a quarter
    c_unvisited = next(a for a in alerts if a["road"] == "C" and a["type"] == "road_unvisited")
    assert c_unvisited["ts"] == pytest.approx(WS + span / 4 * 1.5)
