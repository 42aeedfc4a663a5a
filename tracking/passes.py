"""Pass counting (docs/contract.md §2; README "Patrol tracking: the pass definition"), one
inspector at a time, over the steps the map matcher (tracking/matcher.py) decided.

A traversal is the union of the intervals [offset_prev, offset_cur] along one road between
consecutive decided steps on it (linear referencing), so jitter and pacing over a short piece
add nothing. Where the walk crossed a junction the matcher gives the junction itself (an exact
step), so each road is credited up to where the walk left it and from where it joined the next.
Dense fixes (1 Hz) are filtered by a median of three, so one stray fix never sets how far the
walk went. It becomes a pass when the union reaches `pass_coverage` of the road length; coverage
then starts afresh from that point. It is dropped when the device is off the road (or silent)
for more than `break_s`, when the window closes, or when the local day changes; a hop to a
neighbouring road and back within `break_s` loses nothing (PARKED), unless the walk came back
through a junction elsewhere on the road (round a block: nothing between is bridged). Outside
the window nothing counts; a traversal entered before the opening is credited from the opening
on (interpolated between the fixes either side of it). A traversal that starts without a
junction step is credited from the road's nearest entry within min(30 %, 100 m) (FILL_SHARE); a
pass completed on a fix reporting no speed needs min(8 m, 5 %) more (BARE_M). An interval whose
along-road jump is implausible for its time gap adds nothing and leaves the anchor where it was.
Riding spoils the traversal in progress: while the device's robust speed over the last minute
(tracking/pace.py: median of 10 s blocks) is above `too_fast_kmh` the traversal is "ridden" and
any pass it completes is suspect (recorded, never counted), what was walked before the ride
included; a fix reporting walking speed (RIDE_SHARE) does not make it ridden, as the median lags
the ride's end. When the speed falls back, coverage starts afresh: walking on from where the
ride ended is a new traversal. A pass whose average moving speed exceeds the limit is suspect as
well, and so is one a quarter of whose coverage came from fixes reporting riding speed
(FAST_SHARE): the median has not yet seen a ride begun within the last half minute.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from config.patrol import PatrolConfig
from tracking.intervals import add_interval
from tracking.matcher import STILL_MPS, MatchState
from tracking.pace import Pace

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tracking.patrolday import Day

log = logging.getLogger(__name__)

NAN = math.nan
PARKED = 3  # roads left lately whose traversals are kept
# Fixes this close together are filtered (median of three): a stray one never sets how far the
# walk went. Sparser fixes are not: a turn at a road's end may be seen by one fix only.
DENSE_S = 2.0
# Coverage grows per step by at most (CAP_SPEED x reported speed + CAP_SPEED_MPS) x dt, or
# without a reported speed (CAP_PACE x pace + CAP_PACE_MPS) x dt (pace: tracking/pace.py).
CAP_SPEED, CAP_SPEED_MPS = 1.1, 0.1
CAP_PACE, CAP_PACE_MPS = 1.5, 1.0
# A pass from fixes that report no speed needs min(BARE_M, BARE_SHARE x length) more than
# pass_coverage: without a speed nothing tells standing from walking, and the error drifting
# while a walker stands (at 75 % of a road, say) adds metres that were never walked.
BARE_M, BARE_SHARE = 8.0, 0.05
# A traversal that starts without a junction step (the matcher found the road late, after a
# restart, or the walk came back to the roads) is credited from the nearest place the road can
# be entered by (a junction; without a road graph, an end) when that is at most
# min(FILL_SHARE x length, FILL_M) away: the walker came onto the road there. Past 30 % the
# nearest end may be the one a walk turning back at 30-70 % never reached.
FILL_SHARE, FILL_M = 0.3, 100.0
# While the robust pace reads riding, a fix reporting under this share of the riding speed is
# walking (the ride ended within the median's lag), so it does not spoil the traversal.
RIDE_SHARE = 0.5
# A pass is suspect when this share of its coverage was added by fixes whose own (Doppler)
# speed was above too_fast_kmh: the robust pace (three 10 s blocks) has not yet seen a ride
# that began within the last half minute, the fixes' speeds have, and it takes many of them.
FAST_SHARE = 0.25
LONG_S = 10.0  # a gap longer than this is capped by the pace as well as by the fix's speed
# A walk that turns back at a dead end between two fixes went further than either: as far as
# the speed the later fix reports says the way between took (speed x dt = there and back). When
# that reaches within DEAD_TOL of the dead end (an end with no junction within DEAD_M), the
# road is covered to it: a cyclist's 5 s fixes fall up to 12 m short of a turn. The tolerance is
# min(DEAD_TOL, DEAD_SHARE x length), so that a walk stopping at 75 % of a short road does not
# reach its end on one fix stepping back.
DEAD_M, DEAD_TOL, DEAD_SHARE = 3.0, 5.0, 0.05


@dataclass(slots=True)
class PassRecord:
    road: int  # index into CityIndex.roads
    ts: float  # when the coverage threshold was reached
    device: str
    suspect: bool  # ridden, not walked (PassCounter.step: the pace, average speed, FAST_SHARE)
    start_ts: float
    covered_m: float
    speed: float  # m/s over the time spent adding coverage


class Traversal:
    """Coverage of one road by one device. `off` is NaN after the device left the road."""

    __slots__ = ("covered", "fast_m", "iv", "last", "moving", "off", "open", "ridden", "road",
                 "start")

    def __init__(self, road: int, open_: float, ts: float, off: float) -> None:
        self.road = road
        self.open = open_  # window opening of its local day: a new day is a new traversal
        self.start = ts
        self.last = ts  # anchor: last fix on this road
        self.off = off
        self.iv: list[float] = []  # flat, sorted, disjoint [a0, b0, a1, b1, ...]
        self.covered = 0.0
        self.moving = 0.0  # seconds spent adding new coverage, for the suspect speed
        self.fast_m = 0.0  # coverage added by fixes reporting riding speed (FAST_SHARE)
        self.ridden = False  # the rate went above riding speed during this traversal

    def restart(self, ts: float, off: float) -> None:
        self.start = self.last = ts
        self.off = off
        if self.iv:
            self.iv = []
        self.covered = self.moving = self.fast_m = 0.0


class PassState(MatchState):
    """The matcher's state, the traversals, and the road shown on the live map."""

    __slots__ = ("cur", "live", "pace", "parked", "raw1", "raw2")

    def __init__(self) -> None:
        super().__init__()
        self.live = -1  # the newest fix's road as matched so far (provisional)
        # The last two offsets given on the current road (NaN: none): coverage follows the
        # median of three when fixes are dense (DENSE_S).
        self.raw1 = NAN
        self.raw2 = NAN
        self.pace = Pace()
        self.cur: Traversal | None = None
        # Roads left lately, newest first, each resumable within break_s: a stray hop to a
        # neighbouring road at a junction loses nothing.
        self.parked: list[Traversal] | None = None


class PassCounter:
    """Immutable settings and road lengths; the state lives in each device's PassState."""

    def __init__(self, road_length: Sequence[float], patrol: PatrolConfig, too_fast_kmh: float,
                 spike_mps: float = 20.0, ports: Sequence[Sequence[float]] | None = None
                 ) -> None:
        self.length = [float(length) for length in road_length]
        self.need = [patrol.pass_coverage * length for length in self.length]
        # Where each road can be entered: its junctions (geofence/roadgraph.py ports), or,
        # without a road graph, its two ends.
        self.entries = ([[0.0, length] for length in self.length] if ports is None else
                        [list(p) or [0.0, length] for p, length in zip(ports, self.length,
                                                                        strict=True)])
        # A pass reached on a fix without a reported speed needs this more (BARE_M).
        self.margin = [min(BARE_M, BARE_SHARE * length) for length in self.length]
        # Where a turn must reach to be one at each road's start and end (DEAD_TOL), -inf
        # and inf where the end is not a dead end (known only with a road graph).
        self.dead_lo = [-math.inf] * len(self.length)
        self.dead_hi = [math.inf] * len(self.length)
        for k, (ends, length) in enumerate(zip(self.entries, self.length, strict=True)):
            tol = min(DEAD_TOL, DEAD_SHARE * length)
            if ends[0] > DEAD_M:
                self.dead_lo[k] = tol
            if ends[-1] < length - DEAD_M:
                self.dead_hi[k] = length - tol
        self.break_s = patrol.break_s
        self.fast = too_fast_kmh / 3.6
        self.spike = spike_mps
        self.slack = patrol.match_tolerance  # along-road noise allowed on top of spike speed

    def leave(self, st: PassState) -> None:
        """A fix on no road (or a restart of the matcher): the traversal keeps its anchor, so
        coming back to the road within break_s bridges the loss, as far as the walker's speed
        allows (see step); only the median of three starts afresh."""
        st.raw1 = st.raw2 = NAN

    def came(self, st: PassState, device: str, ts: float, day: Day, road: int,
             off: float) -> PassRecord | None:
        """The matcher found that the walk came onto `road` at `off` (a junction) by `ts`
        (tracking/matcher.py Matcher.came): its traversal starts there afresh."""
        parked = st.parked
        if parked:
            parked[:] = [p for p in parked if p.road != road]
        return self.step(st, device, ts, day, road, off, True)

    def hold(self, st: PassState, ts: float, road: int) -> None:
        """A fix standing still on `road`: the traversal stays alive, nothing is covered."""
        tr = st.cur
        if tr is not None and tr.road == road and ts - tr.last <= self.break_s:
            tr.last = ts

    def _cap(self, pace: Pace, speed: float, dt: float) -> float:
        """How far along the road the walker can have gone in dt: by the speed the fix reports,
        else by the walker's robust pace (riding speed before there is one)."""
        p = pace.pace
        cap = (CAP_PACE * (p if p >= 0.0 else self.fast) + CAP_PACE_MPS) * dt
        if speed >= 0.0:
            # One fix's speed says how fast the walker goes now, not over a long gap.
            by_speed = (CAP_SPEED * speed + CAP_SPEED_MPS) * dt
            return by_speed if dt <= LONG_S or by_speed > cap else cap
        return cap

    def step(self, st: PassState, device: str, ts: float, day: Day, road: int, off: float,
             exact: bool = False, speed: float = -1.0) -> PassRecord | None:
        """Advance with one fix on `road` at `off` metres; the completed pass, if any.
        exact: a place known without error (where the walk crossed a junction); speed: the
        speed the fix reports (m/s, -1: none)."""
        on = day.open <= ts < day.close
        tr = st.cur
        pace = st.pace
        pace.update(ts, road, off, self.break_s, self.fast)
        if (exact or tr is None or tr.road != road or tr.off != tr.off
                or ts - tr.last > DENSE_S):
            st.raw1 = off
            st.raw2 = NAN
        else:
            r1, r2 = st.raw1, st.raw2
            st.raw2, st.raw1 = r1, off
            if r2 == r2 and r1 == r1:  # median of the last three
                off = max(min(r1, r2), min(max(r1, r2), off))
        if tr is not None and tr.road != road:
            parked = st.parked
            back = None
            if parked is not None:
                for k, par in enumerate(parked):
                    if par.road == road:
                        del parked[k]
                        if ts - par.last <= self.break_s:
                            back = par
                        break
                parked.insert(0, tr)
                if len(parked) > PARKED:
                    parked.pop()
            else:
                st.parked = [tr]
            if back is not None:
                # Back on a parked road within break_s: the hop was a stray fix or a short
                # detour; the stretch since is bridged, capped by the walker's speed (below).
                # Unless the walk came back through a junction elsewhere on the road: round
                # a block, say, it did not walk the stretch between.
                tr = st.cur = back
                if exact and abs(off - tr.off) > self.slack:
                    tr.off = off
            else:
                tr = None
        if tr is None:
            tr = st.cur = Traversal(road, day.open, ts, off)
            if not exact and on:
                # No junction step: credit from the nearest place the road can be entered by,
                # if it is near (FILL_SHARE).
                length = self.length[road]
                end = min(self.entries[road], key=lambda e: abs(e - off))
                gap = abs(off - end)
                if 0.0 < gap <= min(FILL_SHARE * length, FILL_M):
                    tr.iv = [end, off] if end < off else [off, end]
                    tr.covered = gap
                    v = speed if speed > 1.0 else pace.pace if pace.pace > 1.0 else 1.0
                    tr.moving = gap / v
            return None
        t0 = tr.last
        o0 = tr.off
        dt = ts - t0
        if tr.open != day.open or dt > self.break_s:
            tr.open = day.open
            tr.restart(ts, off)
            tr.ridden = False
            return None
        if not on or o0 != o0:  # outside the window (or no anchor)
            if not on and tr.covered:
                tr.restart(ts, off)  # the close drops a traversal in progress
            tr.last = ts
            tr.off = off
            return None
        if not exact:
            gone = off - o0
            if abs(gone) > self.spike * dt + self.slack:
                return None  # spike: keep the anchor, the next good fix bridges it
            # Coverage grows no faster than the walker can go: by the speed the fix reports
            # (Doppler hardly moves with multipath), else by the walker's recent pace. A stray
            # fix ahead then moves the anchor a step's worth, not to where it lies.
            if speed >= 0.0 and dt <= LONG_S:  # (self._cap's usual case, inlined: every fix)
                cap = (CAP_SPEED * speed + CAP_SPEED_MPS) * dt
            else:
                cap = self._cap(pace, speed, dt)
            if gone > cap:
                off = o0 + cap
            elif gone < -cap:
                off = o0 - cap
        if t0 < day.open:
            # Entered before the opening: only the part after it counts.
            o0 += (off - o0) * (day.open - t0) / dt
            t0 = day.open
            tr.start = t0
        iv = tr.iv
        dead = NAN  # where a turn at a dead end was: the way back from it is walked too
        if off == o0:
            added = 0.0
        else:
            lo, hi = (o0, off) if o0 <= off else (off, o0)
            if not exact and speed >= STILL_MPS and dt <= LONG_S:
                # Went on from o0, turned and came back to off: did it turn at a dead end?
                mid, reach = 0.5 * (o0 + off), 0.5 * speed * dt
                if off < o0:
                    if mid + reach >= self.dead_hi[road] and (not iv or o0 >= iv[-1]):
                        dead = hi = self.length[road]
                elif mid - reach <= self.dead_lo[road] and (not iv or o0 <= iv[0]):
                    dead = lo = 0.0
            if len(iv) == 2 and lo <= iv[1] and hi >= iv[0]:
                # add_interval's fast path, inlined: one interval, which the step overlaps
                x, y = iv[0], iv[1]
                nlo = x if x < lo else lo
                nhi = y if y > hi else hi
                iv[0] = nlo
                iv[1] = nhi
                added = (nhi - nlo) - (y - x)
            else:
                added = add_interval(iv, lo, hi)
        tr.last = ts
        tr.off = off
        dt = ts - t0
        if pace.ride:
            # The median lags the ride's end by up to two blocks: a fix whose own (Doppler)
            # speed says walking is not part of the ride, so a walk begun where the ride
            # ended is not spoilt by it (without a reported speed nothing tells).
            if speed < 0.0 or speed > RIDE_SHARE * self.fast:
                tr.ridden = True
        elif tr.ridden:
            tr.ridden = False  # off the vehicle: walking on is a fresh traversal
            tr.restart(ts, off)
            return None
        if added <= 0.0:
            return None
        tr.covered += added
        tr.moving += dt
        if speed > self.fast:
            tr.fast_m += added
        if tr.covered < self.need[road] or (
                speed < 0.0 and not exact
                and tr.covered < self.need[road] + self.margin[road]):
            return None
        rate = tr.covered / tr.moving if tr.moving > 0.0 else math.inf
        suspect = tr.ridden or rate > self.fast or tr.fast_m >= FAST_SHARE * tr.covered
        rec = PassRecord(road, ts, device, suspect, tr.start, tr.covered, rate)
        tr.restart(ts, off)
        if dead == dead:  # the way back from the dead end begins the next traversal
            gap = abs(dead - off)
            tr.iv = [off, dead] if off < dead else [dead, off]
            tr.covered = gap
            tr.moving = gap / speed
            if speed > self.fast:
                tr.fast_m = gap
        return rec
