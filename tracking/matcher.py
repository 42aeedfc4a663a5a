"""Hidden-Markov map matching over each device's sequence of fixes, with a bounded lag.

Newson & Krumm, "Hidden Markov map matching through noise and sparseness" (2009), as FMM,
Valhalla's Meili and GraphHopper do it, for walkers at 1-5 s:
- the states of a fix are its candidate places on roads (CityIndex.match: road, offset and
  distance); its emission is Gaussian in the distance, with the sigma the fix reports
  (acc is a 68 % radius, about 1.5 sigma) or DEFAULT_SIGMA;
- a move from one state to the next is weighed by |route - straight line| / BETA, the route
  measured along the road graph (geofence/roadgraph.py), plus a penalty for a route that
  implies more than MAX_SPEED: two parallel roads 20 m apart are far apart along the roads,
  so noise pushing fixes nearer the other one does not move the walker there;
- a fix may be an *outlier*: every state of the fix before is carried over (same place) at a
  cost OUTLIER, so a fix that no road explains, or that would need an impossible move, is
  skipped without breaking the walk; a walk that cannot be reached from any state (it left the
  graph) may *restart* at a cost RESTART.
Viterbi keeps for each fix the best score of every state and where it came from. States more
than PRUNE below the best are dropped, at most BEAM kept. A fix is decided (committed) when
every surviving path agrees on it (a fix left with one state: the usual case, at once) or when
it is LAG_S older than the newest fix or the undecided fixes would take more than WINDOW_B
bytes of the device's state (after dropping the states no surviving path runs through and
thinning out the fixes every path crosses on one road), from the best path then; so the live
map is at most LAG_S behind, and a revised road choice credits each road with the fixes that
truly belong to it. Decisions depend only on the device's fixes (and ticks telling it that
LAG_S passed without fixes), never on how they were batched.
"""

from __future__ import annotations

import math
from math import sqrt
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geofence.roadgraph import RoadGraph

LAG_S = 180.0
# The window's size is bounded in bytes of the exported state (tracking/export/passes.py,
# MessagePack), so a device's state stays under issue 12's 4 KB however long the fixes stay
# undecided: a column costs COL_B plus STATE_B per state (road, offset in decimetres, back
# link, flag: at most 3 + 5 + 1 + 1 B), the newest NEWEST_B more per state (score, anchor).
WINDOW_B = 2800
COL_B = 29  # array header, ts and speed (float64: 9 B each), nine list headers, still, worn
STATE_B = 10
NEWEST_B = 36
DEFAULT_SIGMA = 8.0  # m, a fix without a reported accuracy
MIN_SIGMA = 3.0
MAX_SIGMA = 30.0
BETA = 6.0  # m of |route - straight line| per unit of log-likelihood
MAX_SPEED = 12.0  # m/s along the roads before a move is penalised (a scooter is ~9)
OUTLIER = -8.0
RESTART = -15.0
# A reported speed (Doppler: multipath moves the position, hardly the velocity) tells how far
# the walker went along the roads since the fix before, within SPEED_SLACK of it and SPEED_M.
SPEED_S = 15.0  # ... over gaps up to this long
SPEED_SLACK = 0.3
SPEED_M = 4.0
BETA_SPEED = 3.0
SWITCH = 1.5  # cost of a change of road: hops between the roads of a junction need evidence
# States this far below the best are dropped: enough that the other carriageway of a street, or
# the other branch of a shallow fork, outlives a stretch of fixes biased towards this one and
# the whole walk decides between them (README, "Where the matcher stops working").
PRUNE = 20.0  # ...
PRUNE_OUT = 3.0  # ... outlier states this far: a well explained fix is no outlier
EASY = -OUTLIER - PRUNE_OUT  # a fix on the decided road costing less is decided at once
BEAM = 6
CARRY_S = 30.0
# Consecutive fixes share most of their error (it drifts over tens of seconds: Gauss-Markov
# time constants of 10-60 s are reported for handsets): a fix's distance counts as evidence in
# proportion to the time since the fix before, up to CORR_S, or a minute of fixes nearer the
# wrong road would outweigh where the walk can go.
CORR_S = 20.0
# Thinning may drop a fix lying up to this far beyond its neighbours' span along the road (the
# jitter of a walk or a stand), as long as what the dropped fixes reached and the kept ones do
# not adds up to no more than this (Column.worn): the far end of a turn-back, whose fixes on
# the way back each lie a step short of the one before, wears away by this much at most.
THIN_SLACK = 4.0

# A restart this near the decided place along the roads went through the junction between
# (Matcher.commit), entered at NEAR_MPS when the fix reports no speed.
NEAR_M = 50.0
NEAR_MPS = 1.0

# Flags of committed steps.
REAL, OUT, RESTARTED, LEAVE, JUNCTION, STILL, CAME = 0, 1, 2, 3, 4, 5, 6
# A fix reporting less than this speed stands still: it covers nothing (its place is the
# walker's place plus error; standing while the error drifts would add coverage).
STILL_MPS = 0.5

# (ts, road, offset, flag, speed the fix reported in m/s or -1: the pass counter caps how far
# coverage grows per step by it)
Step = tuple[float, int, float, int, float]
# A state being built: (road, offset, score, back, flag, anchor x, anchor y, anchor time).
State = tuple[int, float, float, int, int, float, float, float]
_SCORE = itemgetter(2)


class Column:
    """The states of one undecided fix, as parallel lists (anchor: the fix a state's place was
    last seen at: this fix for a real state, an older one for a state carried over outliers)."""

    __slots__ = ("anc_t", "anc_x", "anc_y", "back", "flag", "off", "road", "score", "spd",
                 "still", "ts", "worn")

    def __init__(self, ts: float, spd: float = -1.0) -> None:
        self.ts = ts
        self.spd = spd  # the speed the fix reported (-1: none)
        self.still = False  # the fix reported standing still
        # How far fixes thinned out next to it reached beyond the places kept (m, at most
        # THIN_SLACK): what coverage may have lost there.
        self.worn = 0.0
        self.road: list[int] = []
        self.off: list[float] = []
        self.score: list[float] = []
        self.back: list[int] = []
        self.flag: list[int] = []
        self.anc_x: list[float] = []
        self.anc_y: list[float] = []
        self.anc_t: list[float] = []

    def add(self, road: int, off: float, score: float, back: int, flag: int, ax: float,
            ay: float, at: float) -> None:
        self.road.append(road)
        self.off.append(off)
        self.score.append(score)
        self.back.append(back)
        self.flag.append(flag)
        self.anc_x.append(ax)
        self.anc_y.append(ay)
        self.anc_t.append(at)

    def fill(self, states: list[State], top: float) -> None:
        """Take the states, their scores less `top`."""
        road, off, score, back, flag, ax, ay, at = zip(*states, strict=True)
        self.road, self.off, self.back, self.flag = list(road), list(off), list(back), list(flag)
        self.score = [s - top for s in score]
        self.anc_x, self.anc_y, self.anc_t = list(ax), list(ay), list(at)

    def keep(self, idx: list[int]) -> None:
        """Keep the states at `idx` (increasing indices)."""
        if len(idx) == len(self.road):
            return  # all of them
        for name in ("road", "off", "score", "back", "flag", "anc_x", "anc_y", "anc_t"):
            old = getattr(self, name)
            if old:  # older columns keep no scores or anchors (see Matcher._general)
                setattr(self, name, [old[i] for i in idx])

    def strip(self) -> None:
        """Only the newest fix's scores and anchors are ever read again: drop the rest."""
        self.score, self.anc_x, self.anc_y, self.anc_t = [], [], [], []

    def best(self) -> int:
        sc = self.score
        return max(range(len(sc)), key=sc.__getitem__)


class MatchState:
    """A device's decided place (the prior of the next fix) and its undecided fixes."""

    __slots__ = ("at", "ax", "ay", "cols", "jport", "jt", "off", "road", "was")

    def __init__(self) -> None:
        self.road = -1  # road of the last decided state; -1: none (start, or left the roads)
        self.was = -1  # the road left when nothing explained a fix (LEAVE), at off and at
        # The last junction the decided walk went through: the port (RoadGraph global id) on
        # the road it took, and when (see Matcher.came).
        self.jport = -1
        self.jt = -math.inf
        self.off = 0.0
        self.ax = 0.0  # its anchor fix
        self.ay = 0.0
        self.at = -math.inf
        self.cols: list[Column] | None = None


def window_bytes(cols: list[Column]) -> int:
    """Bytes the undecided fixes take in the exported state, at most (see WINDOW_B)."""
    return (3 + COL_B * len(cols) + STATE_B * sum(len(c.road) for c in cols)
            + NEWEST_B * len(cols[-1].road))


def sigma_of(acc: float | None) -> float:
    if acc is None or not acc > 0.0:
        return DEFAULT_SIGMA
    s = acc / 1.5
    return MIN_SIGMA if s < MIN_SIGMA else MAX_SIGMA if s > MAX_SIGMA else s


class Matcher:
    def __init__(self, graph: RoadGraph, break_s: float, lag_s: float = LAG_S) -> None:
        self.graph = graph
        self.break_s = break_s
        self.lag = lag_s
        # Coalescing never leaves decided steps further apart than this (see _coalesce).
        self.span = break_s / 2.0

    def step(self, st: MatchState, ts: float, x: float, y: float, sigma: float,
             speed: float, roads: list[int], dists: list[float], offs: list[float],
             turns: list[float], lo: int, hi: int, out: list[Step]) -> int:
        """Take one fix (candidates lo..hi-1 of the lists; speed: the speed it reports, -1 for
        none; turns: each candidate's heading term, added to its emission cost, see
        tracking/stages.py turn_costs); decided steps are appended to `out`; returns its
        provisional road (-1: none)."""
        cols = st.cols
        if cols is not None:
            if ts - cols[-1].ts > self.break_s:
                self.commit(st, math.inf, out)
                st.road = -1
            elif cols[0].ts + self.lag < ts:
                self.commit(st, ts - self.lag, out)
            cols = st.cols
        if cols is None:
            road = st.road
            if road >= 0 and ts - st.at > self.break_s:
                road = st.road = -1  # silent too long: start afresh
            if road >= 0 and hi - lo == 1 and roads[lo] == road:
                # The usual case: one candidate, on the decided road, well explained.
                off = offs[lo]
                d = dists[lo] / sigma
                dt = ts - st.at
                route = abs(off - st.off)
                dx, dy = x - st.ax, y - st.ay
                gap = sqrt(dx * dx + dy * dy)
                corr = dt / CORR_S
                cost = (abs(route - gap) / BETA + 0.5 * d * d * (corr if corr < 1.0 else 1.0)
                        + turns[lo])
                if route > MAX_SPEED * dt + 2.0 * sigma:
                    cost += (route - MAX_SPEED * dt - 2.0 * sigma) / BETA
                if speed >= 0.0 and dt <= SPEED_S:
                    off_by = abs(route - speed * dt) - SPEED_SLACK * speed * dt - SPEED_M
                    if off_by > 0.0:
                        cost += off_by / BETA_SPEED
                if cost < EASY:
                    st.off, st.ax, st.ay, st.at = off, x, y, ts
                    out.append((ts, st.road, off, STILL if 0.0 <= speed < STILL_MPS else REAL,
                                speed))
                    return st.road
        return self._general(st, ts, x, y, sigma, speed, roads, dists, offs, turns, lo, hi,
                             out)

    def _general(self, st: MatchState, ts: float, x: float, y: float, sigma: float,
                 speed: float, roads: list[int], dists: list[float], offs: list[float],
                 turns: list[float], lo: int, hi: int, out: list[Step]) -> int:
        cols = st.cols
        prev: Column | None
        if cols:
            prev = cols[-1]
        elif st.road >= 0:
            prev = Column(st.at)
            prev.add(st.road, round(st.off, 1), 0.0, 0, REAL, st.ax, st.ay, st.at)
        else:
            prev = None
        col = Column(ts, speed)
        col.still = 0.0 <= speed < STILL_MPS
        states: list[State] = []
        inv2 = 0.5 / (sigma * sigma)
        if prev is not None:
            inv2 *= min(1.0, (ts - prev.ts) / CORR_S)
        if prev is not None:
            p_road, p_off, p_score = prev.road, prev.off, prev.score
            p_x, p_y, p_t = prev.anc_x, prev.anc_y, prev.anc_t
            top = prev.best()
            restart = p_score[top] + RESTART
            graph = self.graph
            around, table = graph.around, graph.table
            add = states.append
            # Each previous state still in reach, worked out once (one tuple: the inner loop
            # below runs for every pair of states): its road, place and score, its way into
            # the graph, its straight line to this fix, the route allowed before the speed
            # penalty, and with a reported speed the distance it implies along the roads.
            live = []
            for i, age in enumerate([ts - t for t in p_t]):
                if age <= self.break_s:
                    pr, po = p_road[i], p_off[i]
                    live.append((i, pr, po, p_score[i], around(pr, po),
                                 math.sqrt((x - p_x[i]) ** 2 + (y - p_y[i]) ** 2),
                                 MAX_SPEED * age + 2.0 * sigma,
                                 speed * age if speed >= 0.0 and age <= SPEED_S else -1.0))
            for j in range(lo, hi):
                # Undecided places are kept to the decimetre (exported as integers: compact).
                r, o = roads[j], round(offs[j], 1)
                emit = -dists[j] * dists[j] * inv2 - turns[j]
                best, arg = -math.inf, -1
                j_ports: tuple[tuple[int, float], ...] | None = None
                for i, pr, po, p_s, p_ports, gap, allow, run in live:
                    if pr == r:
                        rd = abs(o - po)
                        cost = abs(rd - gap) / BETA
                    else:
                        if j_ports is None:
                            j_ports = around(r, o)
                        rd = math.inf
                        for pa, da in p_ports:
                            row = table[pa]
                            for pb, db in j_ports:
                                mid = row.get(pb)
                                if mid is not None and da + mid + db < rd:
                                    rd = da + mid + db
                        if rd == math.inf:
                            continue
                        cost = abs(rd - gap) / BETA + SWITCH
                    if rd > allow:
                        cost += (rd - allow) / BETA
                    if run >= 0.0:
                        off_by = abs(rd - run) - SPEED_SLACK * run - SPEED_M
                        if off_by > 0.0:
                            cost += off_by / BETA_SPEED
                    s = p_s - cost
                    if s > best:
                        best, arg = s, i
                if arg < 0 or best < restart:
                    add((r, o, restart + emit, top, RESTARTED, x, y, ts))
                else:
                    add((r, o, best + emit, arg, REAL, x, y, ts))
            for i, t in enumerate(p_t):  # this fix an outlier: every state carried over
                if ts - t <= CARRY_S:
                    add((p_road[i], p_off[i], p_score[i] + OUTLIER, i, OUT, p_x[i], p_y[i], t))
        else:
            for j in range(lo, hi):
                states.append((roads[j], round(offs[j], 1),
                               -dists[j] * dists[j] * inv2 - turns[j], -1, REAL, x, y, ts))
        if not states:
            # Nothing explains the fix and nothing can be carried: the device left the roads.
            if cols:
                self.commit(st, math.inf, out)
            if st.road >= 0:
                st.was = st.road
            st.road = -1
            out.append((ts, -1, math.nan, LEAVE, speed))
            return -1
        # Prune and normalise.
        top_s = max(map(_SCORE, states))
        lim, lim_out = top_s - PRUNE, top_s - PRUNE_OUT
        kept = [s for s in states if s[2] >= (lim_out if s[4] == OUT else lim)]
        if len(kept) > BEAM:
            order = sorted(range(len(kept)), key=lambda k: (-kept[k][2], k))[:BEAM]
            order.sort()
            kept = [kept[k] for k in order]
        col.fill(kept, top_s)
        if prev is not None and not cols:
            col.back = [0] * len(col.back)  # the prior was the single decided state
        if cols is None:
            cols = st.cols = []
        if cols:
            cols[-1].strip()
        cols.append(col)
        if len(cols) >= 3:
            self._coalesce(cols)
        size = window_bytes(cols)
        if size > WINDOW_B:  # the window is bounded in bytes too, not only in time
            self._unbranch(cols)
            size = window_bytes(cols)
        if size > WINDOW_B:
            self._thin(cols)
            size = window_bytes(cols)
        if size > WINDOW_B:
            k = 0
            while size > WINDOW_B:
                size -= COL_B + STATE_B * len(cols[k].road)
                k += 1
            self.commit(st, cols[k - 1].ts, out)
            cols = st.cols or []
            if not cols:
                return st.road
        if len(col.road) == 1:
            self.commit(st, math.inf, out)  # every path runs through this state
            return st.road
        return col.road[col.best()]

    def _coalesce(self, cols: list[Column]) -> None:
        """Drop the middle one of the last three fixes when it adds nothing to any path: every
        path keeps its road through it and it lies between its neighbours along the road. Two
        twin carriageways walked for minutes then stay a few columns, so the lag can be long
        enough to tell them apart within a few KB. No slack: at a turn-back each fix on the
        way back lies a step beyond the next, and a slack let the far end go one fix at a
        time, taking the turn with it (a 70 m dead end walked there and back, no error at all,
        came out as 54 m each way). Nor a fix thinning wore (Column.worn): it stands for fixes
        beyond it."""
        pp, prev, new = cols[-3], cols[-2], cols[-1]
        n = len(new.road)
        if len(prev.road) != n or new.road != prev.road or new.back != list(range(n)):
            return  # the newest fix's states are not those of the one before, one for one
        if prev.worn == 0.0 and self._beyond(pp, [prev], new) == 0.0:
            new.back = prev.back
            del cols[-2]

    def _thin(self, cols: list[Column]) -> None:
        """Drop the older fixes that add nothing to any path (as _coalesce does for the newest
        three, after _unbranch left only the states paths run through): one fix, or two that
        step back and forth, lying within the span of their neighbours along the road, or
        beyond it by the jitter of a walk or a stand (THIN_SLACK). Runs of a walk along two
        twin carriageways then take a few columns, not one a second. What the dropped fixes
        reached beyond the span is kept on their neighbours (Column.worn) and counts against
        the slack: at a turn-back each fix on the way back lies a step short of the one before,
        and dropping them one by one with a slack each wore the turn's far end away (a 93 m
        road walked from 72 m to its end and back, no error at all, came out as 73 m)."""
        c = 1
        while c < len(cols) - 1:
            run, worn = self._thinnable(cols, c)
            if not run:
                c += 1
                continue
            pp, nxt = cols[c - 1], cols[c + run]
            for mid in reversed(cols[c:c + run]):
                nxt.back = [mid.back[b] for b in nxt.back]
            if worn > 0.0:
                pp.worn = max(pp.worn, worn)
                nxt.worn = max(nxt.worn, worn)
            del cols[c:c + run]
            c = max(1, c - 1)  # the fix before may lie between its neighbours now

    def _thinnable(self, cols: list[Column], c: int) -> tuple[int, float]:
        """How many fixes from cols[c] on thinning may drop (one, or two stepping back and
        forth) and how far what they reached lies beyond the span of the fixes kept either
        side, wear before included; (0, inf) if none."""
        for run in (1, 2):
            if c + run < len(cols):
                mids = cols[c:c + run]
                worn = self._beyond(cols[c - 1], mids, cols[c + run]) + max(m.worn for m in mids)
                if worn <= THIN_SLACK:
                    return run, worn
        return 0, math.inf

    def _beyond(self, pp: Column, mids: list[Column], new: Column) -> float:
        """How far `mids` (consecutive fixes between `pp` and `new`) lie beyond the span of `pp`
        and `new` along the road, on the path that takes them furthest (0: within it, so the
        coverage from `pp` to `new` holds theirs); inf when they cannot go: a path through them
        changes road, or they are not plain fixes (an outlier, a restart, or standing still:
        the pass counter needs those, and the fix before a stand, which says how far the walk
        got: a stand covers nothing). Decided steps kept within half the break of each other:
        further apart they could read as a silence to the pass counter (tracking/passes.py),
        which would start the traversal afresh."""
        if new.ts - pp.ts > self.span or new.still or RESTARTED in new.flag:
            return math.inf
        for mid in mids:
            if mid.still:
                return math.inf
        out = 0.0
        for k, b in enumerate(new.back):
            if b < 0 or new.flag[k] == OUT:
                return math.inf
            road, hi = new.road[k], new.off[k]
            offs = []
            for mid in reversed(mids):
                if mid.road[b] != road or mid.flag[b] != REAL:
                    return math.inf
                offs.append(mid.off[b])
                b = mid.back[b]
                if b < 0:
                    return math.inf
            if pp.road[b] != road or pp.flag[b] == OUT:
                return math.inf
            lo = pp.off[b]
            if lo > hi:
                lo, hi = hi, lo
            for o in offs:
                d = lo - o if o < lo else o - hi
                if d > out:
                    out = d
        return out

    @staticmethod
    def _unbranch(cols: list[Column]) -> None:
        """Drop the states of older fixes that no path to the newest fix runs through (the
        beam keeps up to BEAM states a fix; most lead nowhere a few fixes later)."""
        alive = range(len(cols[-1].road))
        for c in range(len(cols) - 2, -1, -1):
            nxt, col = cols[c + 1], cols[c]
            idx = sorted({nxt.back[k] for k in alive} - {-1})
            if not idx:
                return  # (paths cut off by a commit: left as they are)
            if len(idx) < len(col.road):
                remap = {old: new for new, old in enumerate(idx)}
                nxt.back = [remap.get(b, -1) for b in nxt.back]
                col.keep(idx)
            alive = range(len(idx))

    def commit(self, st: MatchState, upto: float, out: list[Step]) -> None:
        """Decide the undecided fixes up to `upto` (inf: all) from the best path now."""
        cols = st.cols
        if not cols:
            st.cols = None
            return
        path = [0] * len(cols)
        k = cols[-1].best()
        for c in range(len(cols) - 1, -1, -1):
            path[c] = k
            k = cols[c].back[k]
        n = 0
        graph = self.graph
        while n < len(cols) and cols[n].ts <= upto:
            col, k = cols[n], path[n]
            ts, road, off, flag = col.ts, col.road[k], col.off[k], col.flag[k]
            src = -1
            if flag == REAL and st.road >= 0:
                src = st.road
            elif flag in (REAL, RESTARTED):
                # A restart, or back on the roads after a fix nothing explained: the walk came
                # from the last decided place if the roads lead from there in the time.
                src = st.road if st.road >= 0 else st.was
                if src >= 0 and ts - st.at > self.break_s:
                    src = -1
            if flag == RESTARTED and road != st.road and self.came(st, ts, road, off, col.spd,
                                                                 out):
                src = -1
            if src >= 0 and road != src:
                # Through the junction: each road credited up to where the route meets it.
                rd, ca, cb = graph.route_via(src, st.off, road, off)
                if rd <= (math.inf if flag == REAL and st.road >= 0 else
                          MAX_SPEED * (ts - st.at) + 2.0 * DEFAULT_SIGMA):
                    lead = abs(ca - st.off)
                    tj = st.at + (ts - st.at) * (lead / rd if rd > 0.0 else 1.0)
                    out.append((tj, src, ca, JUNCTION, col.spd))
                    out.append((tj, road, cb, JUNCTION, col.spd))
                    st.jport, st.jt = graph.port_at(road, cb), tj
                elif rd <= NEAR_M:
                    # Too far for the time since the last decided fix, yet a few tens of
                    # metres along the roads: the matcher held on to the old road while the
                    # walker went on through the junction. The old road up to it, the new one
                    # from it, entered as long ago as the way along it takes at a walk.
                    pace = col.spd if col.spd >= STILL_MPS else NEAR_MPS
                    tb = max(ts - abs(off - cb) / pace, ts - self.break_s)
                    out.append((st.at, src, ca, JUNCTION, col.spd))
                    out.append((tb, road, cb, JUNCTION, col.spd))
                    st.jport, st.jt = graph.port_at(road, cb), tb
            out.append((ts, road, off, STILL if flag == REAL and col.still else flag, col.spd))
            if flag != OUT:
                st.road, st.off, st.at = road, off, ts
                if col.anc_x:  # the newest column: its anchor is the next fix's prior
                    st.ax, st.ay, st.at = col.anc_x[k], col.anc_y[k], col.anc_t[k]
            n += 1
        if n == len(cols):
            st.cols = None
            return
        del cols[:n]
        # Only the paths through the decided state live on.
        alive = {path[n - 1]}
        for c, col in enumerate(cols):
            idx = [i for i, b in enumerate(col.back) if b in alive]
            remap = {old: new for new, old in enumerate(idx)}
            col.keep(idx)
            if c == 0:
                col.back = [0] * len(idx)
            if c + 1 < len(cols):
                nxt = cols[c + 1]
                nxt.back = [remap.get(b, -1) for b in nxt.back]
            alive = set(range(len(idx)))

    def came(self, st: MatchState, ts: float, road: int, off: float, spd: float,
             out: list[Step]) -> bool:
        """A restart onto `road` right after a junction: if the road has a port at the last
        junction the walk went through, and the way from there along it is no longer than the
        way walked along the road the walk took there (they run side by side: a fork, a second
        carriageway, the next arm of a hairpin), the walker came through that junction onto
        this road and the matcher followed the wrong one until its fixes told them apart.
        Appends a CAME step: this road from the junction's place on it, at the junction's time
        or break_s before the restart if that is later (the walker was on this road all along,
        not off the roads). The road followed keeps what it was credited: a burst of error may
        restart the walk onto the other road just as well, and the walk then comes back. So the
        junction moves to this road (its port there, at the same time): a restart back onto
        the road followed before is judged against the way walked along this one, and credits
        that road from the junction too."""
        port = st.jport
        if port < 0 or st.road < 0 or ts - st.jt > self.lag:
            return False
        graph = self.graph
        if graph.road_of[port] != st.road:
            return False  # the walk has left the road it took at that junction
        cb = graph.meets(port, road)
        if cb is None:
            return False
        taken = abs(st.off - graph.ports[st.road][port - graph.first[st.road]])
        if abs(off - cb) > taken + 2.0 * DEFAULT_SIGMA:
            return False
        out.append((max(st.jt, ts - self.break_s), road, cb, CAME, spd))
        st.jport = graph.port_at(road, cb)
        return True

    def settle(self, st: MatchState, horizon: float, out: list[Step]) -> None:
        """A tick: no fix of the device up to `horizon` is still to come; decide those that
        are LAG_S older than it (inf: a flush, decide everything)."""
        cols = st.cols
        if cols and cols[0].ts + self.lag < horizon:
            self.commit(st, horizon - self.lag, out)
