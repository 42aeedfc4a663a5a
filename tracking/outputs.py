"""What a tracker of a share of the devices hands on to be stored elsewhere (Redis scale-out):
completed passes, device alerts and clearings, its horizon, the rows and daily figures of the
devices that moved, and their new track points. Collected as batches run, taken in one go
(Tracker.take_outputs), so the caller never reads the tracker's insides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from tracking.inspectors import DayStats

if TYPE_CHECKING:
    from collections.abc import Sequence

    from model.events import AlertEvent, ClearedEvent
    from tracking.passes import PassRecord
    from tracking.stages import Batch
    from tracking.state import Context


class DayFigures(msgspec.Struct, array_like=True):
    """An inspector's figures for one local day, as the daily report reads them."""

    distance: float
    duty_s: float
    roads: list[int]
    passes: int
    suspect: int

    @classmethod
    def of(cls, ds: DayStats) -> DayFigures:
        return cls(ds.distance, ds.duty_s, list(ds.roads or ()), ds.passes, ds.suspect)

    def stats(self) -> DayStats:
        ds = DayStats()
        ds.distance, ds.duty_s, ds.passes, ds.suspect = (self.distance, self.duty_s,
                                                         self.passes, self.suspect)
        ds.roads = list(self.roads) or None
        return ds


@dataclass(slots=True)
class TrackChunk:
    date: str  # local date
    device: str
    data: bytes  # float64 triples (ts, lon, lat), in time order but for late fixes


@dataclass(slots=True)
class Outputs:
    passes: list[PassRecord]
    alerts: list[AlertEvent | ClearedEvent]  # in the order they were raised and cleared
    horizon: float | None  # every fix before it has been released (the last tick's)
    rows: dict[str, dict[str, Any]]  # device -> its /api/v1/devices row
    figures: dict[str, dict[str, DayFigures]]  # date -> device -> figures
    tracks: list[TrackChunk]


@dataclass(slots=True)
class OutputLog:
    """Gathered by Tracker._run between two takes."""

    passes: list[PassRecord] = field(default_factory=list)
    alerts: list[AlertEvent | ClearedEvent] = field(default_factory=list)
    moved: set[str] = field(default_factory=set)

    def note(self, batch: Batch, alerts: Sequence[AlertEvent | ClearedEvent]) -> None:
        self.passes.extend(batch.passes)
        self.alerts.extend(alerts)
        moved = self.moved
        for pos in batch.positions:
            moved.add(pos.device)
        for slot, _ in batch.released:  # a tick's releases move the road and grid shown
            moved.add(slot.info.id)
        for ev in alerts:
            device = ev.alert.subject.get("device")
            if device is not None:
                moved.add(device)

    def take(self, ctx: Context, rows: dict[str, dict[str, Any]],
             horizon: float | None) -> Outputs:
        figures: dict[str, dict[str, DayFigures]] = {}
        for device in self.moved:
            slot = ctx.slots.get(device)
            if slot is not None and slot.stats is not None:
                figures.setdefault(slot.stats_date, {})[device] = DayFigures.of(slot.stats)
        tracks = [TrackChunk(date, dev, log.data.tobytes()) for date, logs in ctx.tracks.items()
                  for dev, log in logs.items() if log.data]
        ctx.tracks.clear()  # they live on where the caller puts them
        for slot in ctx.slots.values():
            slot.track, slot.track_date = None, ""
        ctx.book.history.clear()  # shipped as `alerts`
        out = Outputs(self.passes, self.alerts, horizon, rows, figures, tracks)
        self.passes, self.alerts, self.moved = [], [], set()
        return out
