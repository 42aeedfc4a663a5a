"""A whole tracker's state as data (TrackerData), sealed as kind "tracker", version 1.

What it holds: every device (tracking/export/device.py), the inspectors' daily figures still
kept, the open device alerts, the start time, the counters and the horizon. What it does not:
the city and config (every process loads them), tracks and alert history (shipped out as they
grow: tracking/outputs.py), the compliance ledger (the road rules' own state:
tracking/export/roads.py). Versions: a change of any Struct here, in device.py, passes.py,
alerts.py or a rule's exported slot is a new VERSION, and the reader refuses what it does not
know (tracking/export/envelope.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tracking.export.alerts import AlertData, export_open, import_open
from tracking.export.device import (
    DayStatsData,
    DeviceData,
    export_device,
    export_stats,
    import_device,
    import_stats,
)
from tracking.export.envelope import open_sealed, seal

if TYPE_CHECKING:
    from tracking.engine import Tracker

KIND = "tracker"
VERSION = 2  # 2: the map matcher's state, bad input counters


class TrackerData(msgspec.Struct, array_like=True):
    devices: list[DeviceData]
    stats: dict[str, dict[str, DayStatsData]]  # date -> device -> figures
    open: list[AlertData]
    started: float | None
    late: int
    duplicates: int
    horizon: float | None
    kept_from: str
    bad: dict[str, int]  # bad input by reason


def export_tracker(tracker: Tracker) -> TrackerData:
    ctx = tracker.ctx
    return TrackerData(
        [export_device(slot, ctx) for slot in ctx.slots.values()],
        {date: {dev: export_stats(ds) for dev, ds in day.items()}
         for date, day in ctx.stats.items()},
        export_open(ctx.book), ctx.started, ctx.late, ctx.duplicates, tracker.horizon,
        tracker.kept_from, dict(ctx.bad_fixes))


def import_tracker(tracker: Tracker, data: TrackerData) -> None:
    """Into a tracker of the same city and config whose state is fresh (Tracker.reset())."""
    ctx = tracker.ctx
    ctx.stats = {date: {dev: import_stats(ds) for dev, ds in day.items()}
                 for date, day in data.stats.items()}
    for device in data.devices:
        import_device(device, ctx)
    import_open(ctx.book, data.open)
    ctx.started, ctx.late, ctx.duplicates = data.started, data.late, data.duplicates
    tracker.horizon, tracker.kept_from = data.horizon, data.kept_from
    ctx.bad_fixes.update(data.bad)


def encode_tracker(data: TrackerData) -> bytes:
    return seal(KIND, VERSION, data)


def decode_tracker(blob: bytes) -> TrackerData:
    """StateError (a ValueError) for anything but tracker state of this VERSION."""
    return open_sealed(blob, KIND, VERSION, TrackerData)
