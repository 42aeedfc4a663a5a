"""A tracker's state as bytes, so another process can take its devices over exactly where it
stopped (Redis scale-out: one Tracker per partition of the devices).

What is kept: every device slot (reorder buffer, pass state, rule states, newest fix, today's
figures), the daily figures still within keep_days, the open device alerts, the counters. What
is not: the city and config (every process loads them), tracks (the caller ships them out as
they grow, see take_tracks) and alert history (shipped out as raised).

The bytes are a pickle: only gridwatch's own processes write them, into a Redis that must be
as trusted as the processes themselves (bind it to a private address, set a password).
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracking.engine import Tracker

VERSION = 1


def save(tracker: Tracker, extra: dict[str, Any]) -> bytes:
    """The tracker's state plus the caller's own (e.g. the last stream entry applied). Take
    the tracks out first: slots must not drag the day's tracks into every snapshot."""
    ctx = tracker.ctx
    state = {"version": VERSION, "slots": list(ctx.slots.values()), "stats": ctx.stats,
             "open": ctx.book.open, "grids": ctx.book.grid_of_subject, "started": ctx.started,
             "late": ctx.late, "duplicates": ctx.duplicates, "extra": extra}
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def load(tracker: Tracker, data: bytes) -> dict[str, Any]:
    """Put a saved state into a fresh tracker of the same city and config; the caller's extra
    comes back."""
    state = pickle.loads(data)  # noqa: S301 - written by gridwatch itself (see module doc)
    if state.get("version") != VERSION:
        raise ValueError(f"snapshot version {state.get('version')!r}, expected {VERSION}")
    ctx = tracker.ctx
    for slot in state["slots"]:
        tracker.registry.adopt(slot.info)  # auto-registered devices stay known
        ctx.slots[slot.info.id] = slot
    ctx.stats = state["stats"]
    ctx.book.open = state["open"]
    ctx.book.grid_of_subject = state["grids"]
    ctx.started, ctx.late, ctx.duplicates = state["started"], state["late"], state["duplicates"]
    extra: dict[str, Any] = state["extra"]
    return extra


def take_tracks(tracker: Tracker) -> dict[tuple[str, str], bytes]:
    """The track points gathered since the last call, (date, device) -> packed doubles
    (ts, lon, lat, ...), and forget them here: they live on where the caller put them."""
    ctx = tracker.ctx
    out = {(date, dev): log.data.tobytes() for date, logs in ctx.tracks.items()
           for dev, log in logs.items() if log.data}
    ctx.tracks.clear()
    for slot in ctx.slots.values():
        slot.track, slot.track_date = None, ""
    return out
