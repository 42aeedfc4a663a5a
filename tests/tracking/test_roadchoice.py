"""Road choice on hand-made candidate lists (no index)."""

from __future__ import annotations

import random

from tracking.roadchoice import ChoiceState, RoadChooser

CH = RoadChooser(25.0)


def pick(st: ChoiceState, ts: float, cands: list[tuple[int, float, float, float]],
         heading: float | None = None) -> int:
    roads = [c[0] for c in cands]
    j = CH.choose(st, ts, roads, [c[1] for c in cands], [c[2] for c in cands],
                  [c[3] for c in cands], heading, None)
    return roads[j] if j >= 0 else -1


def test_keeps_the_current_road_against_single_closer_fixes() -> None:
    st = ChoiceState()
    assert pick(st, 0, [(0, 2.0, 0.0, 90.0), (1, 13.0, 0.0, 90.0)]) == 0
    # One fix nearer road 1, then back: no switch.
    assert pick(st, 5, [(1, 3.0, 7.0, 90.0), (0, 12.0, 7.0, 90.0)]) == 0
    assert pick(st, 10, [(0, 4.0, 14.0, 90.0), (1, 11.0, 14.0, 90.0)]) == 0


def test_switches_on_sustained_evidence_and_credits_back() -> None:
    st = ChoiceState()
    pick(st, 0, [(0, 2.0, 0.0, 90.0), (1, 13.0, 0.0, 90.0)])
    seen = [pick(st, 5 * k, [(1, 1.0, 7.0 * k, 90.0), (0, 14.0, 7.0 * k, 90.0)])
            for k in range(1, 6)]
    assert seen[:3] == [0, 0, 0] and seen[-1] == 1
    assert st.road == 1


def test_one_stray_fix_beyond_the_tolerance_does_not_leave_the_road() -> None:
    st = ChoiceState()
    pick(st, 0, [(0, 2.0, 0.0, 90.0), (1, 13.0, 0.0, 90.0)])
    assert pick(st, 5, [(1, 10.0, 7.0, 90.0)]) == -1  # road 0 out of reach for one fix
    assert st.road == 0
    assert pick(st, 10, [(0, 3.0, 14.0, 90.0), (1, 12.0, 14.0, 90.0)]) == 0


def test_heading_breaks_a_tie_at_a_junction() -> None:
    st = ChoiceState()
    cands = [(0, 6.0, 100.0, 0.0), (1, 5.0, 200.0, 90.0)]
    assert pick(st, 0, cands, heading=180.0) == 0  # walking south: the north-south road
    st = ChoiceState()
    assert pick(st, 0, cands) == 1


def test_noise_between_parallel_roads_rarely_switches() -> None:
    rng = random.Random(7)
    st = ChoiceState()
    switches = 0
    prev = -1
    for k in range(5000):
        u = rng.gauss(0.0, 8.0)  # across-road error; road 0 at 0 m, road 1 at 15 m
        cands = sorted([(0, abs(u), 0.0, 90.0), (1, abs(15.0 - u), 0.0, 90.0)],
                       key=lambda c: c[1])
        cands = [c for c in cands if c[1] <= 25.0]
        r = pick(st, 5.0 * k, cands)
        if r >= 0 and prev >= 0 and r != prev:
            switches += 1
        if r >= 0:
            prev = r
    assert switches <= 4  # about one stray excursion in 3.5 hours of fixes every 5 s
