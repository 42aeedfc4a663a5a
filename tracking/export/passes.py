"""Map matching and pass counting state of one device (tracking/matcher.py MatchState and its
lag window, tracking/passes.py PassState and Traversal) as data.

One Struct per state class, so a new matcher state replaces this module alone: PassStateData is
what tracking/export/device.py DeviceData holds in its `passes` field.
"""

from __future__ import annotations

import math

import msgspec

from tracking.matcher import Column
from tracking.pace import Pace, PaceData
from tracking.passes import PassState, Traversal


class TraversalData(msgspec.Struct, array_like=True):
    road: int
    open: float
    start: float
    last: float
    off: float  # NaN after the device left the road
    iv: list[float]
    covered: float
    moving: float
    fast_m: float  # (named `rate` before, and always 0.0 then: no riding coverage)
    ridden: bool


class ColumnData(msgspec.Struct, array_like=True):
    """An undecided fix of the map matcher (tracking/matcher.py Column)."""

    ts: float
    road: list[int]
    off: list[int]  # decimetres (the matcher keeps undecided places to the decimetre)
    score: list[float]
    back: list[int]
    flag: list[int]
    anc_x: list[float]
    anc_y: list[float]
    anc_t: list[float]
    still: bool
    spd: float = -1.0  # the speed the fix reported (-1: none); absent from older exports
    worn: int = 0  # Column.worn in decimetres, rounded up; absent from older exports


class PassStateData(msgspec.Struct, array_like=True):
    # MatchState: the decided place and the fixes within the lag
    road: int
    off: float
    ax: float
    ay: float
    at: float
    cols: list[ColumnData] | None
    # PassState
    live: int
    raw: tuple[float, float]  # the last two offsets on the current road
    pace: PaceData
    cur: TraversalData | None
    parked: list[TraversalData] | None
    was: int = -1  # MatchState.was: the road left by a fix nothing explained
    jport: int = -1  # MatchState.jport and jt: the last junction the walk went through
    jt: float = -math.inf


def _traversal(tr: Traversal | None) -> TraversalData | None:
    if tr is None:
        return None
    return TraversalData(tr.road, tr.open, tr.start, tr.last, tr.off, list(tr.iv), tr.covered,
                         tr.moving, tr.fast_m, tr.ridden)


def _traversal_from(data: TraversalData | None) -> Traversal | None:
    if data is None:
        return None
    tr = Traversal(data.road, data.open, data.start, data.off)
    tr.last, tr.iv, tr.covered, tr.moving = data.last, list(data.iv), data.covered, data.moving
    tr.fast_m, tr.ridden = data.fast_m, data.ridden
    return tr


def _tr(tr: Traversal) -> TraversalData:
    out = _traversal(tr)
    assert out is not None
    return out


def _tr_from(data: TraversalData) -> Traversal:
    out = _traversal_from(data)
    assert out is not None
    return out


def _column(c: Column) -> ColumnData:
    return ColumnData(c.ts, list(c.road), [round(o * 10.0) for o in c.off], list(c.score),
                      list(c.back),
                      list(c.flag), list(c.anc_x), list(c.anc_y), list(c.anc_t), c.still,
                      c.spd, math.ceil(c.worn * 10.0))


def _column_from(d: ColumnData) -> Column:
    c = Column(d.ts, d.spd)
    n = len(d.road)
    if any(len(f) != n for f in (d.off, d.back, d.flag)) or any(
            len(f) not in (0, n) for f in (d.score, d.anc_x, d.anc_y, d.anc_t)):
        raise ValueError("matcher column: fields of different lengths")
    c.road, c.off, c.score, c.back, c.flag = (list(d.road), [o / 10.0 for o in d.off],
                                              list(d.score), list(d.back), list(d.flag))
    c.anc_x, c.anc_y, c.anc_t = list(d.anc_x), list(d.anc_y), list(d.anc_t)
    c.still = d.still
    c.worn = d.worn / 10.0
    return c


def export_passes(ps: PassState) -> PassStateData:
    return PassStateData(ps.road, ps.off, ps.ax, ps.ay, ps.at,
                         None if ps.cols is None else [_column(c) for c in ps.cols],
                         ps.live, (ps.raw1, ps.raw2), ps.pace.export(),
                         _traversal(ps.cur),
                         None if ps.parked is None else [_tr(t) for t in ps.parked], ps.was,
                         ps.jport, ps.jt)


def import_passes(data: PassStateData) -> PassState:
    ps = PassState()
    ps.road, ps.off, ps.ax, ps.ay, ps.at = data.road, data.off, data.ax, data.ay, data.at
    ps.cols = None if data.cols is None else [_column_from(c) for c in data.cols] or None
    ps.was, ps.jport, ps.jt = data.was, data.jport, data.jt
    ps.live = data.live
    ps.raw1, ps.raw2 = data.raw
    ps.pace = Pace.of(data.pace)
    ps.cur = _traversal_from(data.cur)
    ps.parked = None if data.parked is None else [_tr_from(t) for t in data.parked]
    return ps
