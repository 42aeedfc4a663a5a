"""The bench's truth (bench/judge/truth.py) on hand-made walks: the contract's pass rule
(docs/contract.md §2) applied to a noise-free walk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.judge.geo import Plane
from bench.judge.streets import Piece, StreetMap
from bench.judge.truth import walker_passes
from bench.judge.walkers import RIDE, STOP, WALK, Walker

OPEN, CLOSE = 1000.0, 50_000.0


def city() -> StreetMap:
    """Road A: 200 m from junction 0 east to 1; road B: 150 m from 1 north to 2; road C: two
    streets, 100 m + 100 m, from 0 south through 3 to 4."""
    nodes = {0: np.array([0.0, 0.0]), 1: np.array([200.0, 0.0]), 2: np.array([200.0, 150.0]),
             3: np.array([0.0, -100.0]), 4: np.array([0.0, -200.0])}
    pieces = [Piece(0, 1, np.array([nodes[0], nodes[1]]), "A", "main", "A"),
              Piece(1, 2, np.array([nodes[1], nodes[2]]), "B", "secondary", "B"),
              Piece(0, 3, np.array([nodes[0], nodes[3]]), "C", "secondary", "C"),
              Piece(3, 4, np.array([nodes[3], nodes[4]]), "C", "secondary", "C")]
    return StreetMap("hand", Plane(116.0, 36.0), nodes, pieces)


Leg = tuple[str, float, float, float, int]


def walk(c: StreetMap, legs: Sequence[Leg], t: float = 2000.0,
         rides: list[tuple[float, float]] | None = None) -> Walker:
    """legs: (road, from, to, seconds, mode) in road offsets; C's offsets span both streets."""
    rows = []
    for road, a, b, dt, mode in legs:
        r = next(x for x in c.roads if x.id == road)
        if len(r.streets) == 1 or max(a, b) <= 100.0:
            rows.append((r.streets[0], a, b, t, t + dt, mode))
        else:  # on C's second street, offsets from its own start
            rows.append((r.streets[1], a - 100.0, b - 100.0, t, t + dt, mode))
        t += dt
    arr = np.array([r[:5] for r in rows], dtype=np.float64)
    return Walker("w", arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4],
                  np.array([r[5] for r in rows], dtype=np.int64), [], rides or [])


def passes(legs: Sequence[Leg], t: float = 2000.0,
           rides: list[tuple[float, float]] | None = None) -> list[tuple[str, float, bool]]:
    c = city()
    w = walk(c, legs, t, rides)
    return [(c.roads[p.road].id, round(p.ts, 6), p.suspect)
            for p in walker_passes(c, w, OPEN, CLOSE)]


def test_a_whole_road_walked_is_one_pass_at_80_percent() -> None:
    # 200 m in 200 s from t=2000: 80 % (160 m) is reached at t=2160
    assert passes([("A", 0, 200, 200, WALK)]) == [("A", 2160.0, False)]


def test_reaching_the_junction_covers_the_road_to_its_end_and_the_next_road_starts_there() -> None:
    got = passes([("A", 0, 200, 200, WALK), ("B", 0, 150, 150, WALK)])
    assert got == [("A", 2160.0, False), ("B", 2320.0, False)]  # B: 120 m after t=2200


def test_a_75_percent_walk_does_not_count() -> None:
    assert passes([("A", 0, 150, 150, WALK), ("A", 150, 150, 20, STOP),
                   ("A", 150, 0, 150, WALK)]) == []


def test_a_turn_back_at_half_the_road_does_not_count() -> None:
    assert passes([("A", 0, 100, 100, WALK), ("A", 100, 0, 100, WALK)]) == []


def test_more_than_60_s_off_the_road_splits_the_traversal() -> None:
    away_70 = passes([("A", 0, 120, 120, WALK), ("B", 0, 70, 70, WALK),
                      ("A", 120, 200, 80, WALK)])
    assert [p for p in away_70 if p[0] == "A"] == []  # only 80 m after the break
    away_40 = passes([("A", 0, 120, 120, WALK), ("B", 0, 40, 40, WALK),
                      ("A", 120, 200, 80, WALK)])
    assert [p[0] for p in away_40 if p[0] == "A"] == ["A"]  # 0-120 and 120-200: 200 m


def test_coverage_starts_afresh_after_a_pass_so_walking_back_is_a_second_pass() -> None:
    got = passes([("A", 0, 200, 200, WALK), ("A", 200, 0, 200, WALK)])
    # the second pass's coverage starts at 160 m: 160-200 and back down to 40 m
    assert got == [("A", 2160.0, False), ("A", 2360.0, False)]


def test_jitter_and_pacing_over_a_piece_add_nothing() -> None:
    legs: list[Leg] = [("A", 0, 100, 100, WALK)]
    legs += [("A", 100, 60, 40, WALK), ("A", 60, 100, 40, WALK)] * 5
    assert passes(legs) == []


def test_a_road_of_two_streets_is_covered_along_both() -> None:
    assert passes([("C", 0, 100, 100, WALK), ("C", 100, 200, 100, WALK)]) == \
        [("C", 2160.0, False)]
    assert passes([("C", 0, 100, 100, WALK), ("C", 100, 150, 50, WALK)]) == []  # 75 %


def test_a_pass_ridden_for_more_than_a_minute_is_suspect_a_short_ride_is_not() -> None:
    ride = [("A", 0, 200, 25, RIDE)]
    assert passes(ride, rides=[(1990.0, 2100.0)]) == [("A", 2020.0, True)]
    assert passes(ride, rides=[(2000.0, 2040.0)]) == [("A", 2020.0, False)]


def test_only_the_patrol_window_counts() -> None:
    # entered 60 s before the opening at 1 m/s: credited from 60 m on, 140 m: no pass
    assert passes([("A", 0, 200, 200, WALK)], t=OPEN - 60.0) == []
    # 30 s before: credited from 30 m on, 160 m are reached at 190 m
    assert passes([("A", 0, 200, 200, WALK)], t=OPEN - 30.0) == [("A", OPEN + 160.0, False)]
    # unfinished at the close: nothing
    assert passes([("A", 0, 200, 200, WALK)], t=CLOSE - 100.0) == []
    # wholly before the opening or after the close: nothing
    assert passes([("A", 0, 200, 200, WALK)], t=OPEN - 500.0) == []
    assert passes([("A", 0, 200, 200, WALK), ("A", 200, 0, 200, WALK)], t=CLOSE + 10.0) == []


def test_a_silence_longer_than_the_break_has_a_second_reading_without_the_silent_walk() -> None:
    c = city()
    w = walk(c, [("A", 0, 200, 200, WALK)])
    assert len(walker_passes(c, w, OPEN, CLOSE)) == 1  # the walk as walked
    # silent from 2050 to 2120 (70 s, 50-120 m): 0-50 then 120-200 is 130 m, no pass
    assert walker_passes(c, w, OPEN, CLOSE, blind=[(2050.0, 2120.0)]) == []
    # a 40 s silence is no break: the walk stands
    assert len(walker_passes(c, w, OPEN, CLOSE, blind=[(2050.0, 2090.0)])) == 1
