"""A tracker's rollback point, in this process: what a failed batch is undone to.

A batch that raises in a stage leaves the tracker half-way (fixes held, released, counted for
some devices and not others). Undoing it means going back to a checkpoint and replaying what
came after (bus/guard.py). The checkpoint is the typed state export (tracking/export/) plus, for
what only grows (tracks, the compliance ledger, alert history), marks instead of copies: a
track's length, a ledger's record count. A track that had a fix inserted before its end since
the checkpoint (a late fix) is rolled back by dropping the fixes of its device that came after
the checkpoint, whose times the caller passes in (`since`).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracking.export.roads import RoadRulesData, export_road_rules, import_road_rules
from tracking.export.tracker import TrackerData, export_tracker, import_tracker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from model.alert import Alert
    from model.position import Position
    from tracking.compliance import DayLedger
    from tracking.engine import Tracker
    from tracking.tracks import TrackLog


@dataclass(slots=True)
class Checkpoint:
    state: TrackerData
    rules: RoadRulesData | None  # trackers with road rules
    shown: list[tuple[str, int, str] | None] | None
    ledger: dict[str, tuple[DayLedger, int, list[int], list[float | None]]]
    tracks: dict[str, dict[str, tuple[TrackLog, int, int]]]  # log, its length and edits
    history: list[Alert]


def take(tracker: Tracker) -> Checkpoint:
    ctx = tracker.ctx
    progress = tracker.progress
    return Checkpoint(
        export_tracker(tracker),
        export_road_rules(ctx.road_rules) if progress is not None else None,
        list(progress.shown) if progress is not None else None,
        {date: (day, len(day.records), list(day.counts), list(day.last))
         for date, day in ctx.ledger.days.items()},
        {date: {dev: (log, len(log.data), log.edits) for dev, log in logs.items()}
         for date, logs in ctx.tracks.items()},
        list(ctx.book.history))


def restore(tracker: Tracker, cp: Checkpoint, since: Iterable[Position]) -> None:
    """Back to the checkpoint; `since`: every position given to the tracker after it."""
    tracker.reset()
    import_tracker(tracker, cp.state)
    ctx = tracker.ctx
    progress = tracker.progress
    if cp.rules is not None and progress is not None and cp.shown is not None:
        import_road_rules(ctx, cp.rules)
        progress.shown = list(cp.shown)
    for date, (day, records, counts, last) in cp.ledger.items():
        del day.records[records:]
        day.counts[:], day.last[:] = counts, last
        ctx.ledger.days[date] = day
    after: dict[str, set[float]] | None = None
    for date, logs in cp.tracks.items():
        kept = ctx.tracks[date] = {}
        for dev, (log, length, edits) in logs.items():
            if log.edits != edits:
                if after is None:
                    after = _after(cp.state, since)
                _drop(log, after.get(dev, set()))
                log.edits = edits
            del log.data[length:]
            kept[dev] = log
    # Alerts open at the checkpoint are the history's own objects, open again.
    history = ctx.book.history = list(cp.history)
    by_id = {a.id: a for a in history}
    for key, alert in ctx.book.open.items():
        known = by_id.get(alert.id)
        if known is not None:
            known.cleared_ts = None
            ctx.book.open[key] = known


def _after(state: TrackerData, since: Iterable[Position]) -> dict[str, set[float]]:
    """Per device, the times of fixes that may have reached its track after the checkpoint:
    those held then, and those given since."""
    out: dict[str, set[float]] = {}
    for device in state.devices:
        if device.held:
            out.setdefault(device.id, set()).update(p.ts for p in device.held)
    for pos in since:
        out.setdefault(pos.device, set()).add(pos.ts)
    return out


def _drop(log: TrackLog, times: set[float]) -> None:
    """Remove the fixes at `times` (a track's times are unique), keeping the order."""
    data = log.data
    keep = array("d")
    for i in range(0, len(data), 3):
        if data[i] not in times:
            keep.extend(data[i:i + 3])
    log.data = keep
