"""The tracker's state: one compact slot per device, and the parts every stage shares.

A slot is the reorder buffer (inherited, so no extra object), the pass state, the device rules'
own slots, the newest position, and references to today's stats and track. Past days' stats and
tracks live in dicts keyed by (device, date), so a slot stays the same size all day.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from tracking.alerts import AlertBook
from tracking.bearings import RoadBearings
from tracking.compliance import ComplianceBook
from tracking.gridlookup import GridLookup
from tracking.inspectors import DayStats, InspectorMeter
from tracking.matcher import Matcher
from tracking.passes import PassCounter, PassState
from tracking.patrolday import PatrolCalendar
from tracking.reorder import ReorderState
from tracking.roadrules import RoadRules
from tracking.tracks import TrackLog

if TYPE_CHECKING:
    from collections.abc import Sequence

    from config.patrol import AlertConfig, PatrolConfig
    from geofence.index import CityIndex
    from model.clock import Clock
    from model.position import Position
    from tracking.devices import DeviceRegistry
    from tracking.rules.base import DeviceInfo, DeviceRule

log = logging.getLogger(__name__)

# Device alerts that name the device's state on the map, most telling first.
STATE_ALERTS = ("signal_lost", "too_fast", "off_grid", "idle")


class DeviceSlot(ReorderState):
    __slots__ = ("good_t", "good_x", "good_y", "grid", "info", "last", "ps", "rules", "rules_ts",
                 "stats", "stats_date", "track", "track_date")

    def __init__(self, info: DeviceInfo, rules: list[Any]) -> None:
        super().__init__()
        self.info = info
        self.ps = PassState()
        self.rules = rules
        self.rules_ts = float("-inf")  # data time the rules have seen (fixes, ticks, edges)
        self.last: Position | None = None  # newest fix received
        self.grid = -1  # grid of the newest released fix
        self.stats: DayStats | None = None
        self.stats_date = ""
        self.track: TrackLog | None = None
        self.track_date = ""
        # The newest fix that was not bad input (local metres, time): an impossible speed is
        # measured from it.
        self.good_x = self.good_y = 0.0
        self.good_t = float("-inf")


class Context:
    """Everything the stages share, built once by the Tracker."""

    def __init__(self, index: CityIndex, patrol: PatrolConfig, alerts: AlertConfig,
                 devices: DeviceRegistry, clock: Clock, rules: Sequence[DeviceRule]) -> None:
        self.index = index
        self.patrol = patrol
        self.registry = devices
        self.clock = clock
        self.rules = list(rules)
        self.roads = index.roads
        self.road_ids = [r.id for r in index.roads]
        self.grid_ids = [g.id for g in index.grids]
        self.calendar = PatrolCalendar(index.city.settings)
        self.grids = GridLookup(index)
        self.bearings = RoadBearings(index)
        self.graph = index.graph
        self.matcher = Matcher(self.graph, patrol.break_s)
        # ports: a road found late is credited from its nearest junction, not its nearest end
        self.counter = PassCounter(index.road_length.tolist(), patrol, alerts.too_fast_kmh,
                                   ports=self.graph.ports)
        self.meter = InspectorMeter(alerts.signal_lost_s)
        self.book = AlertBook()
        self.ledger = ComplianceBook(index.roads, self.calendar, alerts.behind_by)
        self.road_rules = RoadRules(self.ledger, alerts, self.book)
        self.slots: dict[str, DeviceSlot] = {}
        # date -> device -> ...: no (device, date) tuple per entry
        self.tracks: dict[str, dict[str, TrackLog]] = {}
        self.stats: dict[str, dict[str, DayStats]] = {}
        # Data time the tracker started from (its first fix or tick): an inspector never heard
        # from is silent since then, or since the window opened if that came later.
        self.started: float | None = None
        self.late = 0  # fixes too old to put back in order: shown, never counted
        self.duplicates = 0
        self.bad_fixes = dict.fromkeys(("accuracy", "not_finite", "speed"), 0)
        for info in devices:  # an inspector who never reports is still ticked (signal_lost)
            self.slot(info)

    def slot(self, info: DeviceInfo) -> DeviceSlot:
        slot = self.slots.get(info.id)
        if slot is None:
            slot = DeviceSlot(info, [rule.new_state() for rule in self.rules])
            self.slots[info.id] = slot
        return slot

    def track_of(self, slot: DeviceSlot, date: str) -> TrackLog:
        if slot.track is not None and slot.track_date == date:
            return slot.track
        day = self.tracks.get(date)
        if day is None:
            day = self.tracks[date] = {}
        track = day.get(slot.info.id)
        if track is None:
            track = day[slot.info.id] = TrackLog()
        if date >= slot.track_date:
            slot.track, slot.track_date = track, date
        return track

    def stats_of(self, slot: DeviceSlot, date: str) -> DayStats:
        if slot.stats is not None and slot.stats_date == date:
            return slot.stats
        day = self.stats.get(date)
        if day is None:
            day = self.stats[date] = {}
        ds = day.get(slot.info.id)
        if ds is None:
            ds = day[slot.info.id] = DayStats()
        if date >= slot.stats_date:
            slot.stats, slot.stats_date = ds, date
        return ds

    def state_of(self, slot: DeviceSlot, on_duty: bool) -> str:
        """What the map shows for a device: an open device alert, else active / off_duty."""
        open_ = self.book.open
        dev = slot.info.id
        for type_ in STATE_ALERTS:
            if (type_, "device", dev) in open_:
                return type_
        return "active" if on_duty else "off_duty"

    def grid_name(self, slot: DeviceSlot) -> str | None:
        return self.grid_ids[slot.grid] if slot.grid >= 0 else slot.info.grid_id
