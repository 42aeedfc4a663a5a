"""Road choice and pass counting state of one device (tracking/roadchoice.py ChoiceState,
tracking/passes.py PassState and Traversal) as data.

One Struct per state class, so a new matcher state replaces this module alone: PassStateData is
what tracking/export/device.py DeviceData holds in its `passes` field.
"""

from __future__ import annotations

import msgspec

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
    rate: float
    ridden: bool


class PassStateData(msgspec.Struct, array_like=True):
    # ChoiceState
    road: int
    seen: float
    chal: int
    score: float
    chal_ts: float
    chal_off: float
    bf_ts: float
    bf_off: float
    # PassState
    cur: TraversalData | None
    parked: TraversalData | None


def _traversal(tr: Traversal | None) -> TraversalData | None:
    if tr is None:
        return None
    return TraversalData(tr.road, tr.open, tr.start, tr.last, tr.off, list(tr.iv), tr.covered,
                         tr.moving, tr.rate, tr.ridden)


def _traversal_from(data: TraversalData | None) -> Traversal | None:
    if data is None:
        return None
    tr = Traversal(data.road, data.open, data.start, data.off)
    tr.last, tr.iv, tr.covered, tr.moving = data.last, list(data.iv), data.covered, data.moving
    tr.rate, tr.ridden = data.rate, data.ridden
    return tr


def export_passes(ps: PassState) -> PassStateData:
    return PassStateData(ps.road, ps.seen, ps.chal, ps.score, ps.chal_ts, ps.chal_off, ps.bf_ts,
                    ps.bf_off, _traversal(ps.cur), _traversal(ps.parked))


def import_passes(data: PassStateData) -> PassState:
    ps = PassState()
    ps.road, ps.seen, ps.chal, ps.score = data.road, data.seen, data.chal, data.score
    ps.chal_ts, ps.chal_off, ps.bf_ts, ps.bf_off = (data.chal_ts, data.chal_off, data.bf_ts,
                                                    data.bf_off)
    ps.cur, ps.parked = _traversal_from(data.cur), _traversal_from(data.parked)
    return ps
