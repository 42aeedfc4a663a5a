"""The tracker's part of the time-sanity rule (model/timewindow.py): a fix dated in the future
never moves a data clock, and a sweep of the road rules over a long gap costs a bounded number
of days (it stepped through every day up to the new time: 2,107 alerts and 50 s of CPU for one
fix dated 2099)."""

from __future__ import annotations

import time

from config.patrol import AlertConfig, PatrolConfig
from geofence.index import CityIndex
from model.clock import DataClock
from model.events import AlertEvent
from model.position import Position
from tests.tracking.helpers import at, lonlat, make_city, make_tracker
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.roadrules import SWEEP_DAYS

CITY = make_city({"a": [(0, 0), (400, 0)], "b": [(0, 100), (400, 100)]})


def fix(ts: float, device: str = "insp-1") -> Position:
    lon, lat = lonlat(200, 0)
    return Position(device, ts, lat, lon)


def test_a_future_fix_is_refused_and_never_moves_the_data_clock() -> None:
    index = CityIndex(CITY)
    clock = DataClock()
    tracker = Tracker(index, PatrolConfig(), AlertConfig(), DeviceRegistry(index.grids), clock)
    now = time.time()
    rejected: list[tuple[int, str]] = []
    tracker.ingest([fix(now - 60), fix(now + 86_400 * 365 * 70)], rejected)
    assert [i for i, _ in rejected] == [1] and "future" in rejected[0][1]
    assert clock.now() == now - 60


def test_a_gap_of_years_sweeps_a_bounded_number_of_days() -> None:
    tracker, clock = make_tracker(CITY, start=at("09:00"))
    tracker.ingest([fix(at("09:00"))])
    tracker.tick(at("09:30"))
    ten_years = at("09:00") + 3650 * 86_400.0
    clock.set(ten_years)
    events = tracker.tick(ten_years)
    missed = [e for e in events if isinstance(e, AlertEvent) and e.alert.type == "road_missed"]
    # The first day's close, then at most SWEEP_DAYS days before the new time, per road
    # (every day of the ten years before: 7,300 alerts).
    assert 0 < len(missed) <= len(CITY.roads) * (SWEEP_DAYS + 2)

