"""The sequence map matcher and the passes it feeds (issue 12): twin carriageways, junction
credit, outliers, bad input counted by reason, and its lag window exported and resumed."""

from __future__ import annotations

import math
import random

import msgspec
import pytest

from model.position import Position
from tests.tracking.helpers import (
    DATE,
    at,
    feed,
    lonlat,
    make_city,
    make_tracker,
    passes,
    walk,
)
from tracking.engine import Tracker
from tracking.export.device import export_device
from tracking.export.passes import export_passes
from tracking.export.tracker import decode_tracker, encode_tracker, export_tracker, import_tracker
from tracking.matcher import REAL, STILL, THIN_SLACK, WINDOW_B, Column, window_bytes

# Two carriageways between the same two junctions, 20 m apart in the middle, and the roads
# that lead to those junctions.
TWINS = make_city({
    "north": [(0, 0), (60, 20), (340, 20), (400, 0)],
    "south": [(0, 0), (60, -20), (340, -20), (400, 0)],
    "west": [(-200, 0), (0, 0)],
    "east": [(400, 0), (600, 0)],
})
# A 50 m link between two long roads: a cyclist's 6 s fixes see it twice.
LINK = make_city({"w": [(0, 0), (200, 0)], "mid": [(200, 0), (250, 0)],
                  "e": [(250, 0), (450, 0)]})
LONG = make_city({"a": [(0, 0), (300, 0)], "far": [(0, 500), (300, 500)]})


@pytest.mark.parametrize("seed", range(4))
def test_fixes_nearer_the_other_carriageway_stay_on_the_walked_one(seed: int) -> None:
    # The walker keeps to the south carriageway; its fixes lean 9 m north the whole way, so
    # most of them are nearer the south one by less than the noise, many nearer the north.
    tracker, _ = make_tracker(TWINS)
    route = [(-200.0, 0.0), (0.0, 0.0), (60.0, -20.0), (340.0, -20.0), (400.0, 0.0),
             (600.0, 0.0)]
    fixes = walk(route, "insp-1", at("09:00"), every=1.0, noise=4.0, seed=seed, lateral=9.0,
                 heading=True)
    feed(tracker, fixes)
    assert (passes(tracker, "south"), passes(tracker, "north")) == (1, 0)
    assert (passes(tracker, "west"), passes(tracker, "east")) == (1, 1)


def test_the_stretch_to_and_from_a_junction_is_credited() -> None:
    # Fixes every 6 s at 4 m/s fall 21 m and 45 m along the 50 m link: walked through, it is
    # a pass (junction to junction), though no fix came within 20 m of either end.
    tracker, _ = make_tracker(LINK)
    fixes = walk([(5.0, 0.0), (450.0, 0.0)], "insp-1", at("09:00"), speed=4.0, every=6.0,
                 heading=True)
    on_link = [p for p in fixes if 200.0 < tracker.ctx.index.project(p.lon, p.lat)[0] < 250.0]
    assert len(on_link) == 2
    feed(tracker, fixes)
    assert [passes(tracker, r) for r in ("w", "mid", "e")] == [1, 1, 1]


def test_a_turn_back_short_of_the_threshold_is_no_pass_despite_a_jump_along_the_road() -> None:
    tracker, _ = make_tracker(LONG)
    fixes = walk([(0.0, 0.0), (200.0, 0.0), (0.0, 0.0)], "insp-1", at("09:00"), heading=True)
    # The fix at the turn (200 m of 300) jumps 60 m further along the road: 87 % if believed.
    k = max(range(len(fixes)), key=lambda i: tracker.ctx.index.project(fixes[i].lon,
                                                                       fixes[i].lat)[0])
    lon, lat = tracker.ctx.index.unproject(260.0, 0.0)
    p = fixes[k]
    fixes[k] = Position(p.device, p.ts, float(lat), float(lon), p.acc, p.speed, p.heading)
    feed(tracker, fixes)
    assert passes(tracker, "a") == 0


def test_a_stray_fix_off_every_road_does_not_break_the_walk() -> None:
    tracker, _ = make_tracker(LONG)
    fixes = walk([(0.0, 0.0), (300.0, 0.0)], "insp-1", at("09:00"), every=1.0)
    for k in (120, 121):  # two fixes 60 m off the road, mid-walk
        p = fixes[k]
        x, _ = tracker.ctx.index.project(p.lon, p.lat)
        lon, lat = tracker.ctx.index.unproject(x, 60.0)
        fixes[k] = Position(p.device, p.ts, float(lat), float(lon))
    feed(tracker, fixes)
    assert passes(tracker, "a") == 1


def test_bad_input_is_kept_in_the_track_and_counted_by_reason() -> None:
    tracker, _ = make_tracker(LONG)
    fixes = walk([(0.0, 0.0), (300.0, 0.0)], "insp-1", at("09:00"))
    t = fixes[-1].ts
    far_lon, far_lat = tracker.ctx.index.unproject(300.0, 5000.0)  # 5 km in 1 s
    bad = [Position("insp-1", t + 1, fixes[-1].lat, fixes[-1].lon, acc=800.0),
           Position("insp-1", t + 2, fixes[-1].lat, fixes[-1].lon, acc=math.nan),
           Position("insp-1", t + 3, float(far_lat), float(far_lon))]
    feed(tracker, fixes + bad)
    stats = tracker.stats()
    assert (stats["bad_fixes_accuracy"], stats["bad_fixes_not_finite"],
            stats["bad_fixes_speed"]) == (1, 1, 1)
    assert tracker.track("insp-1", DATE)["properties"]["count"] == len(fixes) + 3
    assert passes(tracker, "a") == 1


def test_the_lag_window_is_exported_small_and_resumes_to_the_same_passes() -> None:
    route = [(-200.0, 0.0), (0.0, 0.0), (60.0, -20.0), (340.0, -20.0), (400.0, 0.0),
             (600.0, 0.0), (400.0, 0.0), (340.0, 20.0), (60.0, 20.0), (0.0, 0.0)]
    fixes = walk(route, "insp-1", at("09:00"), every=1.0, noise=4.0, seed=3, lateral=9.0,
                 heading=True)
    whole, _ = make_tracker(TWINS, rules=[])
    feed(whole, fixes)
    first, clock0 = make_tracker(TWINS, rules=[])
    cut = 0
    while cut < 120 or not first.ctx.slots["insp-1"].ps.cols:  # as live, no flush: stop
        chunk = fixes[cut:cut + 10]                              # with fixes undecided
        assert chunk, "the walk never left fixes undecided"
        clock0.set(chunk[-1].ts)
        first.ingest(chunk)
        first.tick()
        cut += len(chunk)
    slot = first.ctx.slots["insp-1"]
    size = len(msgspec.msgpack.encode(export_device(slot, first.ctx)))
    assert size <= 4096, f"{size} bytes of device state"
    blob = encode_tracker(export_tracker(first))
    second, clock = make_tracker(TWINS, rules=[])
    import_tracker(second, decode_tracker(blob))
    clock.set(first.ctx.clock.now())
    feed(second, fixes[cut:])
    # The ledger travels apart (tracking/export/roads.py): passes before the cut are first's.
    for road in ("west", "south", "east", "north"):
        assert passes(first, road) + passes(second, road) == passes(whole, road), road
    assert [passes(whole, r) for r in ("west", "south", "east", "north")] == [1, 1, 2, 1]


def _moved(tracker: Tracker, p: Position, dx: float, dy: float) -> Position:
    x, y = tracker.ctx.index.project(p.lon, p.lat)
    lon, lat = tracker.ctx.index.unproject(x + dx, y + dy)
    return Position(p.device, p.ts, float(lat), float(lon), p.acc, p.speed, p.heading)


def _on_the_other_carriageway(tracker: Tracker, fixes: list[Position], x0: float, x1: float
                              ) -> list[Position]:
    """The fixes of the walk on the south carriageway between x0 and x1, mirrored onto the
    north one (TWINS: the carriageways lie either side of y = 0)."""
    out = []
    for p in fixes:
        x, y = tracker.ctx.index.project(p.lon, p.lat)
        off = x0 < x <= x1 and y < -1.0
        out.append(_moved(tracker, p, 0.0, -2.0 * float(y)) if off else p)
    return out


def test_a_walk_first_matched_to_the_other_carriageway_is_credited_from_the_junction() -> None:
    # The walker takes the south carriageway at the west junction; for its first 150 m the
    # fixes lie on the north one (error that drifts, or a canyon), then where it walks. The
    # matcher follows the north one and restarts on the south one when the fixes leave it:
    # the walk came through the junction, so the south one counts from there (a pass), the
    # north one keeps only what the fixes suggested (no pass).
    tracker, _ = make_tracker(TWINS)
    route = [(-200.0, 0.0), (0.0, 0.0), (60.0, -20.0), (340.0, -20.0), (400.0, 0.0),
             (600.0, 0.0)]
    fixes = walk(route, "insp-1", at("09:00"), every=1.0, heading=True)
    feed(tracker, _on_the_other_carriageway(tracker, fixes, 0.0, 150.0))
    assert (passes(tracker, "south"), passes(tracker, "north")) == (1, 0)
    assert (passes(tracker, "west"), passes(tracker, "east")) == (1, 1)


def test_a_walk_matched_to_the_other_carriageway_and_back_is_credited_from_the_junction(
) -> None:
    # The walker takes the south carriageway at the west junction. Its fixes follow it for
    # 100 m (the matcher decides south), then lie on the north one for 120 m, then where it
    # walks. The matcher restarts on the north one (credited from the junction: it came
    # through there), then back on the south one: the junction has moved to the north one, so
    # the south one is credited from the junction again and its walk counts as one (a pass),
    # not as 100 m, a gap longer than break_s and the last 180 m.
    tracker, _ = make_tracker(TWINS)
    route = [(-200.0, 0.0), (0.0, 0.0), (60.0, -20.0), (340.0, -20.0), (400.0, 0.0),
             (600.0, 0.0)]
    fixes = walk(route, "insp-1", at("09:00"), every=1.0)
    feed(tracker, _on_the_other_carriageway(tracker, fixes, 100.0, 220.0))
    assert (passes(tracker, "south"), passes(tracker, "north")) == (1, 0)
    assert (passes(tracker, "west"), passes(tracker, "east")) == (1, 1)


def test_a_burst_of_fixes_off_every_road_does_not_split_the_walk() -> None:
    # 50 s of fixes 60 m off the road mid-walk (longer than an outlier is carried): the walk
    # leaves the roads and comes back 70 m further on; the 70 m are bridged, as the walker's
    # speed allows: one walk of 300 m, a pass.
    tracker, _ = make_tracker(LONG)
    fixes = walk([(0.0, 0.0), (300.0, 0.0)], "insp-1", at("09:00"), every=1.0, heading=True)
    burst = [_moved(tracker, p, 0.0, 60.0) if 100 <= k < 150 else p
             for k, p in enumerate(fixes)]
    feed(tracker, burst)
    assert passes(tracker, "a") == 1


# A shallow fork (16 degrees) off a stem, each branch 150 m, leading on to a road of its own.
FORK = make_city({"stem": [(-200, 0), (0, 0)], "left": [(0, 0), (150, 21)],
                  "right": [(0, 0), (150, -21)], "ln": [(150, 21), (400, 28)],
                  "rn": [(150, -21), (400, -28)]})


@pytest.mark.parametrize("seed", range(4))
def test_headings_keep_a_walk_on_the_branch_of_a_shallow_fork_its_fixes_lean_away_from(
        seed: int) -> None:
    # A cyclist (3.5 m/s) takes the right branch; along the fork its fixes lie 60 % of the
    # way towards the left one (3 m noise on top), so every fix is nearer the wrong branch,
    # but their Doppler headings follow the right one, 16 degrees off the left one: the
    # right branch is credited, the left one is not.
    tracker, _ = make_tracker(FORK)
    rng = random.Random(seed)
    fixes = walk([(-200.0, 0.0), (0.0, 0.0), (150.0, -21.0), (400.0, -28.0)], "insp-1",
                 at("09:00"), speed=3.5, every=1.0, heading=True)
    leaning = []
    for p in fixes:
        x = float(tracker.ctx.index.project(p.lon, p.lat)[0])
        pull = 0.6 * 0.28 * x if 0.0 < x < 150.0 else 0.0  # the branches are 0.28 x apart
        leaning.append(_moved(tracker, p, rng.gauss(0.0, 3.0), pull + rng.gauss(0.0, 3.0)))
    feed(tracker, leaning)
    assert [passes(tracker, r) for r in ("stem", "left", "right", "ln", "rn")] == [1, 0, 1, 0, 1]


# Two roads meeting at a right angle, and a third far off (so the junction is no dead end).
CORNER = make_city({"a": [(0.0, 0.0), (200.0, 0.0)], "b": [(200.0, 0.0), (200.0, 150.0)],
                    "c": [(200.0, 150.0), (400.0, 150.0)]})


def test_a_walk_seen_late_on_the_next_road_is_credited_from_the_junction() -> None:
    # The walker turns from a into b at the corner, but for 30 s its fixes stay at the corner
    # (a receiver that froze its position, multipath), then jump to where it is, 40 m into b.
    # The matcher holds on to a and then has to restart on b; the restart is 40 m along the
    # roads from where it held on: the walk went through the corner, so b counts from there.
    tracker, _ = make_tracker(CORNER)
    fixes = walk([(0.0, 0.0), (200.0, 0.0), (200.0, 150.0), (300.0, 150.0)], "insp-1",
                 at("09:00"), every=1.0, heading=True)
    frozen = []
    for p in fixes:
        x, y = tracker.ctx.index.project(p.lon, p.lat)
        frozen.append(_moved(tracker, p, 200.0 - float(x), -float(y))
                      if 0.5 < float(y) < 42.0 and float(x) > 199.0 else p)
    feed(tracker, frozen)
    assert [passes(tracker, r) for r in ("a", "b")] == [1, 1]



# Six streets side by side 1 m apart, never meeting: every fix among them is explained by
# each, so six paths stay alive as long as the walk goes on. They are 8.8 km long and come
# after 300 short roads, so their places take the most bytes a road index and a decimetre
# offset take in the export.
SIX = make_city({f"f{k:03d}": [(-1800.0, 1000.0 + 5.0 * k), (-1700.0, 1000.0 + 5.0 * k)]
                 for k in range(300)}
                | {f"s{k}": [(-1800.0, 1.0 * k), (7000.0, 1.0 * k)] for k in range(6)})


def test_a_device_state_stays_under_4_kb_however_long_the_fixes_stay_undecided() -> None:
    tracker, clock = make_tracker(SIX, rules=[])
    fixes = []
    for i in range(600):  # ten minutes at 1 Hz; the along-road jitter defeats coalescing
        lon, lat = lonlat(6000.0 + 1.2 * i + (6.0 if i % 2 else -6.0), 2.5)
        fixes.append(Position("insp-1", at("09:00") + i, lat, lon, acc=4.5, speed=1.2))
    sizes, undecided, window = [], [], []
    for k in range(0, len(fixes), 5):
        chunk = fixes[k:k + 5]
        clock.set(chunk[-1].ts)
        tracker.ingest(chunk)
        slot = tracker.ctx.slots["insp-1"]
        cols = slot.ps.cols or []
        sizes.append(len(msgspec.msgpack.encode(export_device(slot, tracker.ctx))))
        undecided.append(len(cols))
        if cols:  # what the matcher counts against its budget bounds what is exported
            exported = msgspec.msgpack.encode(export_passes(slot.ps).cols)
            window.append((window_bytes(cols), len(exported)))
    assert max(undecided) >= 20  # the window did fill up
    assert max(sizes) <= 4096, f"{max(sizes)} bytes of device state"
    assert all(est >= real for est, real in window)
    assert max(est for est, _ in window) <= WINDOW_B


def test_fixes_reporting_a_poor_accuracy_find_their_road_beyond_the_tolerance() -> None:
    # Every fix 30 m off the road (an urban canyon at sigma 14 m), each saying so (acc 21 m,
    # a 68 % radius): the road is the only one within 3 sigma, and the walk covers it.
    tracker, _ = make_tracker(LONG)
    fixes = [Position(p.device, p.ts, p.lat, p.lon, acc=21.0)
             for p in walk([(0.0, 0.0), (300.0, 0.0)], "insp-1", at("09:00"), every=1.0,
                           lateral=30.0)]
    feed(tracker, fixes)
    assert passes(tracker, "a") == 1
    # The same fixes without an accuracy stay beyond the 25 m tolerance: nothing is walked.
    tracker, _ = make_tracker(LONG)
    feed(tracker, [Position(p.device, p.ts, p.lat, p.lon) for p in fixes])
    assert passes(tracker, "a") == 0



def test_a_straight_walk_seen_all_along_counts_though_its_fixes_are_coalesced() -> None:
    # Fixes every second leaning 8 m towards a parallel road 20 m away keep both roads open
    # for minutes, so the matcher coalesces the straight stretch; its decided steps must not
    # read as a silence longer than break_s to the pass counter, which would restart the walk.
    city = make_city({"a": [(0, 0), (287, 0)], "b": [(0, 20), (287, 20)]})
    tracker, _ = make_tracker(city)
    fixes = walk([(0.0, 0.0), (287.0, 0.0)], "insp-1", at("09:00"), every=1.0, lateral=8.0,
                 heading=True)
    feed(tracker, fixes)
    assert (passes(tracker, "a"), passes(tracker, "b")) == (1, 0)


# A street whose two carriageways part at a shared west end and run 9 m apart for 340 m, each
# ending at a cross street of its own: the north one at one leading north, the south one at
# one leading south (like a divided street's two halves reaching different junctions).
SPLIT = make_city({"stem": [(-200.0, 0.0), (0.0, 0.0)],
                   "north": [(0.0, 0.0), (60.0, 4.5), (400.0, 4.5)],
                   "south": [(0.0, 0.0), (60.0, -4.5), (400.0, -4.5)],
                   "n_out": [(400.0, 4.5), (400.0, 200.0)],
                   "s_out": [(400.0, -4.5), (400.0, -200.0)]})


@pytest.mark.parametrize("seed", range(4))
def test_a_biased_first_minute_does_not_decide_between_two_carriageways(seed: int) -> None:
    # The walker takes the south carriageway and leaves it south. For its first 80 s its
    # handset (reporting 4.5 m accuracy) drifts 7 m north, nearer the north carriageway, the
    # way time-correlated error does; then its fixes scatter 2.5 m about the walk. Every fix
    # after the drift, and the way out south, tell the carriageways apart: the south one is
    # credited. Weighing each of those drifting fixes as independent evidence would drop the
    # south carriageway before the rest of the walk is seen.
    tracker, _ = make_tracker(SPLIT)
    rng = random.Random(seed)
    t0 = at("09:00")
    fixes = walk([(-200.0, 0.0), (0.0, 0.0), (60.0, -4.5), (400.0, -4.5), (400.0, -200.0)],
                 "insp-1", t0, every=1.0)
    drifting = []
    for p in fixes:
        drift = 7.0 * min(1.0, (p.ts - t0 - 143.0) / 10.0) if 143.0 <= p.ts - t0 <= 223.0 else 0.0
        q = _moved(tracker, p, rng.gauss(0.0, 2.5), drift + rng.gauss(0.0, 2.5))
        drifting.append(Position(q.device, q.ts, q.lat, q.lon, acc=4.5))
    feed(tracker, drifting)
    assert [passes(tracker, r) for r in ("stem", "north", "south", "n_out", "s_out")] == [
        1, 0, 1, 0, 1]


def test_a_stand_inside_an_undecided_stretch_reaches_the_pass_counter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The straight walk above, with a 20 s stand half-way that the handset reports (speed 0).
    # While both roads stay open the matcher coalesces the stretch; the standing fixes must
    # still reach the pass counter as standing (they cover nothing and are not time walked), as
    # the thinning before an early decision keeps them (Matcher._beyond: one rule for both).
    import tracking.stages as stages

    seen: list[tuple[float, int]] = []
    count = stages.CountPasses._count

    def spy(self: stages.CountPasses, slot: object, steps: list[tuple[float, int, float, int,
                                                                       float]],
            *args: object, **kwargs: object) -> None:
        seen.extend((ts, flag) for ts, _road, _off, flag, _spd in steps)
        count(self, slot, steps, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stages.CountPasses, "_count", spy)
    city = make_city({"a": [(0, 0), (287, 0)], "b": [(0, 20), (287, 20)]})
    tracker, _ = make_tracker(city)
    t0 = at("09:00")
    first = walk([(0.0, 0.0), (120.0, 0.0)], "insp-1", t0, every=1.0, lateral=8.0,
                 heading=True)
    lon, lat = lonlat(120.0, 8.0)
    stood = [Position("insp-1", first[-1].ts + k, lat, lon, speed=0.0) for k in range(1, 21)]
    rest = walk([(120.0, 0.0), (287.0, 0.0)], "insp-1", stood[-1].ts + 1.0, every=1.0,
                lateral=8.0, heading=True)
    feed(tracker, first + stood + rest)
    assert (passes(tracker, "a"), passes(tracker, "b")) == (1, 0)
    standing = [ts for ts, flag in seen if flag == STILL]
    assert len(standing) >= 15, standing
    assert all(stood[0].ts <= ts <= stood[-1].ts for ts in standing)


def test_thinning_a_full_window_keeps_the_far_end_of_a_turn_back() -> None:
    # Undecided fixes of a walk to 93 m and back to 66 m that coalescing left (as it does while
    # other paths, dropped since, kept them from being between their neighbours): on the way
    # back each lies a metre short of the one before. Thinning drops the fixes between their
    # neighbours and wears the far end by its slack at most: with a slack of 4 m a fix at a
    # time it dropped 93 m as lying within 4 m of the span from 70 m to 92 m, then 92 m, and
    # so on, and a 93 m road walked from its junction at 72 m to its end and back came out as
    # 73 m (Matcher._thin, Column.worn).
    tracker, _ = make_tracker(TWINS)
    matcher = tracker.ctx.matcher
    road = tracker.ctx.index.road_ids["north"]
    cols: list[Column] = []
    for k, off in enumerate([70.0, 75.0, 81.0, 87.0, 93.0, *range(92, 65, -1)]):
        col = Column(at("09:00") + k, 1.2)
        col.add(road, float(off), 0.0, 0 if cols else -1, REAL, 0.0, 0.0, 0.0)
        cols.append(col)
    matcher._thin(cols)
    kept = [c.off[0] for c in cols]
    assert kept[0] == 70.0 and kept[-1] == 66.0 and len(kept) <= 4
    assert max(kept) >= 93.0 - THIN_SLACK  # worn by the jitter's slack at most, once
