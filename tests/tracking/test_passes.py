"""Pass counting on hand-made along-road offsets (docs/contract.md §2)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.patrol import PatrolConfig
from geofence.model import CitySettings
from tests.tracking.helpers import at
from tracking.passes import PassCounter, PassRecord, PassState
from tracking.patrolday import PatrolCalendar

CAL = PatrolCalendar(CitySettings())
L = 400.0


def counter(length: float = L, **kw: float) -> PassCounter:
    return PassCounter([length, 300.0], PatrolConfig(**kw), too_fast_kmh=25.0)


def run(points: Iterable[tuple[float, float | None]], c: PassCounter | None = None,
        road: int = 0, state: PassState | None = None, speed: float = -1.0
        ) -> list[PassRecord]:
    """(ts, offset) in time order; offset None = a fix on no road; speed: what every fix
    reports (-1: nothing)."""
    c = c or counter()
    s = state or PassState()
    out = []
    for ts, off in points:
        if off is None:
            c.leave(s)
            continue
        rec = c.step(s, "insp", ts, CAL.day_of(ts), road, off, False, speed)
        if rec is not None:
            out.append(rec)
    return out


def line(t0: float, a: float, b: float, speed: float = 1.4, every: float = 5.0
         ) -> list[tuple[float, float | None]]:
    """Walking from offset a to b at `speed`, a fix every `every` seconds (both ends included)."""
    n = max(1, round(abs(b - a) / (speed * every)))
    return [(t0 + k * abs(b - a) / speed / n, a + (b - a) * k / n) for k in range(n + 1)]


T = at("09:00")


def test_straight_walk_is_one_pass() -> None:
    recs = run(line(T, 0.0, L), speed=1.4)
    assert len(recs) == 1
    assert not recs[0].suspect
    assert recs[0].covered_m == pytest.approx(0.8 * L, abs=8.0)
    assert 1.2 < recs[0].speed < 1.6


@pytest.mark.parametrize(("share", "n"), [(0.79, 0), (0.81, 1)])
def test_coverage_threshold(share: float, n: int) -> None:
    assert len(run(line(T, 0.0, share * L), speed=1.4)) == n


@pytest.mark.parametrize(("share", "n"), [(0.81, 0), (0.819, 0), (0.821, 1)])
def test_coverage_threshold_without_a_reported_speed(share: float, n: int) -> None:
    # pass_coverage plus min(8 m, 5 % of the road): 320 + 8 m of a 400 m road.
    assert len(run(line(T, 0.0, share * L))) == n


def test_jitter_standing_still_adds_nothing() -> None:
    rng = random.Random(1)
    pts: list[tuple[float, float | None]] = [
        (T + 5 * k, 200.0 + rng.gauss(0.0, 8.0)) for k in range(2000)]
    assert run(pts) == []


def test_back_and_forth_over_a_short_piece_adds_nothing() -> None:
    pts: list[tuple[float, float | None]] = []
    t = T
    for _ in range(30):
        leg = line(t, 100.0, 160.0) + line(t + 45, 160.0, 100.0)[1:]
        pts += leg
        t = leg[-1][0] + 5
    assert run(pts) == []


def test_u_turn_walked_back_fully_is_two_passes() -> None:
    there = line(T, 0.0, L)
    back = line(there[-1][0] + 5, L, 0.0)
    recs = run(there + back)
    assert len(recs) == 2
    # The second pass completes once the way back has covered 80 % again.
    assert recs[1].ts > there[-1][0]


def test_u_turn_halfway_back_is_one_pass() -> None:
    there = line(T, 0.0, L)
    back = line(there[-1][0] + 5, L, 0.45 * L)
    assert len(run(there + back)) == 1


@pytest.mark.parametrize(("gap", "n"), [(90.0, 0), (50.0, 1)])
def test_gap_in_the_middle(gap: float, n: int) -> None:
    first = line(T, 0.0, 200.0)
    second = line(first[-1][0] + gap, 230.0, L)
    assert len(run(first + second)) == n


def test_break_off_road_ends_the_traversal() -> None:
    # The README example: 0 -> 300 m, 70 s off the road, then 300 -> 400 m: no pass.
    first = line(T, 0.0, 300.0)
    t = first[-1][0]
    off: list[tuple[float, float | None]] = [(t + 5 * k, None) for k in range(1, 14)]
    rest = line(t + 70, 300.0, L)
    assert run(first + off + rest) == []
    # 40 s off the road only pauses it.
    off = [(t + 5 * k, None) for k in range(1, 8)]
    assert len(run(first + off + line(t + 40, 330.0, L))) == 1


def test_a_short_loss_of_the_road_is_bridged() -> None:
    # 0 -> 150 m, 20 s on no road (a burst of fixes nothing explains), back at 178 m and on
    # to 330 m: one walk of 330 m (82 %), not 150 m and 152 m.
    first = line(T, 0.0, 150.0)
    t = first[-1][0]
    lost: list[tuple[float, float | None]] = [(t + 5 * k, None) for k in range(1, 4)]
    assert len(run(first + lost + line(t + 20, 178.0, 330.0))) == 1
    # A jump ahead on coming back is not believed: 150 m, then 20 s later at 300 m.
    assert run(first + lost + line(t + 20, 300.0, 320.0)) == []


def test_a_stray_fix_ahead_moves_coverage_a_step_not_to_where_it_lies() -> None:
    # Walking 0 -> 300 m (75 %) then back; one fix 5 s later lies at 340 m (85 %): not a pass,
    # whether the fixes report their speed or coverage goes by the walker's pace.
    there = line(T, 0.0, 300.0)
    t = there[-1][0]
    back = line(t + 10, 300.0, 0.0)
    stray: list[tuple[float, float | None]] = [(t + 5, 340.0)]
    assert run(there + stray + back, speed=1.4) == []
    assert run(there + stray + back) == []
    # Without the stray fix the same walk carried on to 330 m is a pass either way.
    assert len(run(there + line(t + 5, 300.0, 330.0), speed=1.4)) == 1
    assert len(run(there + line(t + 5, 300.0, 330.0))) == 1


def test_window_opening_mid_road_counts_from_the_opening() -> None:
    # 07:25:00 at 0 m, walking 1.4 m/s: at 07:30 the walker is at 420 m on a 1 km road.
    c = counter(1000.0)
    pts = line(at("07:25"), 0.0, 1000.0)
    assert run(pts, c) == []  # only 580 m fall inside the window
    c2 = counter(700.0)
    recs = run(line(at("07:27"), 0.0, 700.0), c2)  # 252 m before 07:30, 448 m after
    assert recs == []
    recs = run(line(at("07:29"), 0.0, 700.0), counter(700.0))  # 84 m before, 616 m after
    assert len(recs) == 1
    assert recs[0].start_ts == at("07:30")


def test_window_closing_mid_road_is_not_counted() -> None:
    pts = line(at("18:28"), 0.0, L)  # 168 m before 18:30, the rest after
    assert run(pts) == []
    assert len(run(line(at("18:24"), 0.0, L))) == 1  # done by 18:27:49


def test_nothing_counts_outside_the_window() -> None:
    assert run(line(at("06:00"), 0.0, L)) == []
    assert run(line(at("20:00"), 0.0, L)) == []


def test_day_boundary_starts_afresh() -> None:
    c = counter(L)
    s = PassState()
    pts = line(at("18:20"), 0.0, 300.0)
    assert run(pts, c, state=s) == []
    # The next morning, carrying on from 300 m: yesterday's coverage is gone.
    nxt = line(at("09:00", "2026-03-03"), 300.0, L)
    assert run(nxt, c, state=s) == []
    recs = run(line(at("10:00", "2026-03-03"), 0.0, L), c, state=s)
    assert len(recs) == 1


def test_scooter_speed_is_a_suspect_pass() -> None:
    recs = run(line(T, 0.0, L, speed=8.0, every=2.0))
    assert len(recs) == 1
    assert recs[0].suspect
    assert recs[0].speed > 25 / 3.6


def test_waiting_then_walking_is_not_suspect() -> None:
    pts = [(T + 5 * k, 0.0) for k in range(60)] + line(T + 300, 0.0, L)
    recs = run(pts)
    assert len(recs) == 1 and not recs[0].suspect


def test_a_walk_begun_where_a_ride_ended_is_a_pass() -> None:
    # Two minutes riding road 1 at 8 m/s (Doppler says so), then off the scooter at the
    # junction and walking all of road 0 at 1.4 m/s. The robust pace reads riding for up to
    # two more blocks, but the walk's own fixes report walking: a clean pass, not a suspect
    # one, and not one lost to coverage started afresh when the pace fell back (20 s of
    # walking, 28 m of this 100 m road).
    c = counter(100.0)
    s = PassState()
    ride = line(T, 0.0, 300.0, speed=8.0, every=1.0) + line(T + 37.5, 300.0, 0.0, speed=8.0,
                                                             every=1.0)
    ride += line(T + 75.0, 0.0, 300.0, speed=8.0, every=1.0)
    for ts, off in ride:
        assert off is not None
        c.step(s, "insp", ts, CAL.day_of(ts), 1, off, False, 8.0)
    assert s.pace.ride
    t = T + 112.5
    c.step(s, "insp", t, CAL.day_of(t), 0, 0.0, True, 1.4)  # the junction
    recs = run(line(t + 1.0, 0.0, 100.0, every=1.0), c, road=0, state=s, speed=1.4)
    assert len(recs) == 1 and not recs[0].suspect


def test_gps_spike_adds_nothing() -> None:
    pts = line(T, 0.0, 250.0)
    t = pts[-1][0]
    # One fix 150 m further along 5 s later, then back to the walk: the spike is ignored...
    spiked = [*pts, (t + 5, 395.0), *line(t + 10, 257.0, 270.0)]
    assert run(spiked) == []
    # ...while the walk itself is credited across it.
    assert len(run([*spiked, *line(t + 30, 270.0, 330.0)])) == 1


def test_a_hop_to_another_road_and_back_is_bridged() -> None:
    # 0 -> 150 m on road 0, 15 s matched to road 1 (a stray hop), back on road 0 at 171 m and
    # on to 330 m (82 %): one walk, the 21 m walked meanwhile included.
    c = counter(L)
    s = PassState()
    assert run(line(T, 0.0, 150.0), c, road=0, state=s) == []
    t = T + 150 / 1.4
    assert run([(t + 5, 5.0), (t + 10, 6.0)], c, road=1, state=s) == []
    assert len(run(line(t + 15, 171.0, 330.0), c, road=0, state=s)) == 1


def test_road_change_and_return_within_break_resumes() -> None:
    c = counter(L)
    s = PassState()
    assert run(line(T, 0.0, 200.0), c, road=0, state=s) == []
    t = T + 200 / 1.4
    assert run(line(t + 5, 0.0, 20.0), c, road=1, state=s) == []  # 15 s on a side road
    assert len(run(line(t + 25, 200.0, L), c, road=0, state=s)) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, L), min_size=2, max_size=60))
def test_coverage_never_exceeds_what_was_walked(offsets: list[float]) -> None:
    """Whatever the order of the offsets, a pass needs 80 % of the road between its fixes and
    the nearer end of the first one, when that is within min(30 %, 100 m)."""
    pts: list[tuple[float, float | None]] = [(T + 60.0 * k, o) for k, o in enumerate(offsets)]
    recs = run(pts)
    first = offsets[0]
    end = 0.0 if first <= L - first else L
    ends = [end] if abs(first - end) <= min(0.3 * L, 100.0) else []
    span = max(offsets + ends) - min(offsets + ends)
    if span < 0.8 * L - 1e-6:
        assert recs == []
    walked = sum(abs(b - a) for a, b in itertools.pairwise(ends + offsets))
    assert len(recs) * 0.8 * L <= walked + 1e-6


def test_without_a_reported_speed_standing_at_75_percent_is_no_pass() -> None:
    # 0 -> 300 m (75 %) at a walk, then standing while the error drifts 22 m on along the road,
    # then back: the fixes reach 322 m (80.5 %), yet without a speed nothing says the walker
    # stood, so a pass needs a margin (8 m) more and this is none. The same fixes reporting
    # their speed are judged by pass_coverage alone (standing fixes never reach the counter:
    # the matcher marks them STILL).
    there = line(T, 0.0, 300.0)
    t = there[-1][0]
    drift = [(t + 2.0 * k, 300.0 + 1.0 * k) for k in range(1, 23)]
    back = line(drift[-1][0] + 2.0, 322.0, 100.0)
    assert run(there + drift + back) == []
    assert len(run(there + drift + back, speed=1.2)) == 1
    # Walking on to the end is a pass all the same.
    assert len(run(there + line(t + 5.0, 300.0, L))) == 1


def test_a_road_found_late_is_credited_from_its_nearer_end() -> None:
    # The matcher put the walker on this road only 90 m in (a restart after following the
    # wrong road; no junction step): the walker came on at the nearer end, so 0-90 m counts
    # and the walk to the end is a pass (90 + 310 m); without that it would be 310 m, short.
    assert len(run(line(T, 90.0, L), speed=1.4)) == 1
    # 130 m in is past 30 % of the road: which end the walk came by is not told, no credit.
    assert run(line(T, 130.0, 400.0), speed=1.4) == []
    # A start at a junction step is exact: nothing is added.
    c, s = counter(), PassState()
    c.step(s, "insp", T, CAL.day_of(T), 0, 90.0, True, 1.4)
    assert run(line(T + 1.0, 90.0, L), c=c, state=s, speed=1.4) == []


def test_a_road_found_late_is_credited_from_its_nearest_junction() -> None:
    # With the road graph's junctions (ports) the credit runs to the nearest one: a street
    # crossed at 250 m, the walker found 290 m in and walking on to the end.
    c = PassCounter([L, 300.0], PatrolConfig(), too_fast_kmh=25.0, ports=[[0.0, 250.0, L], []])
    recs = run(line(T, 290.0, L), c=c, speed=1.4)
    assert recs == []
    s = PassState()
    run(line(T, 290.0, L), c=c, state=s, speed=1.4)
    assert s.cur is not None and s.cur.iv == [250.0, L]


def _there_and_back(turn: float, speed: float, every: float) -> list[tuple[float, float]]:
    """From a junction at 16 m out to `turn` and back to it at `speed`, a fix every `every`
    seconds from 1 s on (the junction steps at both ends are separate)."""
    out = turn - 16.0
    total = 2.0 * out / speed
    pts = []
    t = 1.0
    while t < total:
        d = speed * t
        pts.append((T + t, 16.0 + (d if d <= out else 2.0 * out - d)))
        t += every
    return pts


def _dead_end_passes(ports: list[float], turn: float, speed: float, every: float) -> int:
    c = PassCounter([82.0, 300.0], PatrolConfig(), too_fast_kmh=25.0, ports=[ports, []])
    s = PassState()
    day = CAL.day_of(T)
    n = int(c.step(s, "insp", T, day, 0, 16.0, True, speed) is not None)
    for ts, off in _there_and_back(turn, speed, every):
        n += c.step(s, "insp", ts, day, 0, off, False, speed) is not None
    back = T + 2.0 * (turn - 16.0) / speed
    return n + (c.step(s, "insp", back, day, 0, 16.0, True, speed) is not None)


def test_a_turn_at_a_dead_end_between_two_fixes_reaches_the_end() -> None:
    # Helsinki's Pohjoisesplanadi stub (82 m, entered and left by a junction 16 m in): a
    # cyclist's 5 s fixes lie 71 and 68 m in, either side of the turn at the dead end. Out and
    # back are 66 m each, two passes; the fixes alone show 55 m, none.
    assert _dead_end_passes([0.0, 16.0], 82.0, 5.0, 5.0) == 2
    # The same fixes where the end is a junction: the cyclist may have turned onto the other
    # road there, nothing says the road's last 11 m were ridden.
    assert _dead_end_passes([0.0, 16.0, 82.0], 82.0, 5.0, 5.0) == 0
    # A walk turning 8 m short of the dead end (a partial walk) is not credited to it.
    assert _dead_end_passes([0.0, 16.0], 74.0, 1.4, 1.0) == 0
