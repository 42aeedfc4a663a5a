"""Per-device bounded reorder window (docs/contract.md §2: late, out-of-order positions).

A device's fixes are held back and released in time order once they are older than the device's
newest fix minus the window (or the clock minus the window on a tick, or everything on a flush).
A fix older than the last one released can no longer be put in order: it is "late", kept for
display only and never counted. Same device and same ts twice is a retransmission: ignored.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, insort

from model.position import Position

log = logging.getLogger(__name__)

HELD = 0
DUPLICATE = 1
LATE = 2


def _ts(p: Position) -> float:
    return p.ts


class ReorderState:
    __slots__ = ("held", "newest", "released")

    def __init__(self) -> None:
        self.held: list[Position] | None = None  # sorted by ts; None when empty (saves a list)
        self.newest = float("-inf")  # newest ts seen (held or released)
        self.released = float("-inf")  # ts of the last fix released for counting


def admit(st: ReorderState, pos: Position) -> int:
    """Hold `pos` for release; HELD, DUPLICATE or LATE (the caller keeps late ones for display)."""
    ts = pos.ts
    if ts <= st.released:
        return DUPLICATE if ts == st.released else LATE
    held = st.held
    if held is None:
        st.held = [pos]
    elif ts > held[-1].ts:  # the usual case: in order
        held.append(pos)
    else:
        i = bisect_left(held, ts, key=_ts)
        if i < len(held) and held[i].ts == ts:
            return DUPLICATE
        insort(held, pos, key=_ts)
    if ts > st.newest:
        st.newest = ts
    return HELD


def release(st: ReorderState, cutoff: float) -> list[Position]:
    """Pop, in time order, every held fix with ts <= cutoff."""
    held = st.held
    if held is None or held[0].ts > cutoff:
        return []
    if held[-1].ts <= cutoff:
        out = held
        st.held = None
    else:
        # Held lists are a few fixes long: a scan from the front beats a keyed bisect.
        n = 1
        while held[n].ts <= cutoff:
            n += 1
        out = held[:n]
        del held[:n]
    st.released = out[-1].ts
    return out


def release_due(st: ReorderState, window: float) -> list[Position]:
    """Release what the device's own newest fix has pushed out of the window."""
    return release(st, st.newest - window)


def held_count(st: ReorderState) -> int:
    return 0 if st.held is None else len(st.held)
