"""Hand-built cities and timestamped traces for the tracking tests (metres in, WGS-84 out)."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from shapely.geometry import LineString, Polygon

from config.patrol import AlertConfig, PatrolConfig
from geofence.index import CityIndex
from geofence.model import City, CitySettings, Grid, Road
from geofence.projection import LocalProjection
from model.alert import Alert
from model.clock import ManualClock
from model.events import AlertEvent, ClearedEvent, Event, RoadEvent
from model.position import Position
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.rules.base import DeviceRule

LON0, LAT0 = 120.15, 30.25
PROJ = LocalProjection(LON0, LAT0)
TZ = ZoneInfo("Asia/Shanghai")
DATE = "2026-03-02"


def at(hhmm: str, date: str = DATE) -> float:
    """Epoch seconds of a local time on the test date, e.g. at("09:00")."""
    return datetime.fromisoformat(f"{date}T{hhmm}").replace(tzinfo=TZ).timestamp()


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = PROJ.inverse(np.array([x]), np.array([y]))
    return float(lon[0]), float(lat[0])


def make_city(roads: Mapping[str, Sequence[tuple[float, float]]], *,
              cls: dict[str, str] | None = None, required: dict[str, int] | None = None,
              inspectors: Sequence[str] = ("insp-1", "insp-2"),
              window: tuple[int, int] = (7 * 60 + 30, 18 * 60 + 30)) -> City:
    """Roads as metre polylines around (LON0, LAT0); one grid covering everything."""
    out = []
    for rid, pts in roads.items():
        geom = LineString([lonlat(x, y) for x, y in pts])
        length = sum(math.dist(a, b) for a, b in itertools.pairwise(pts))
        c = (cls or {}).get(rid, "secondary")
        req = (required or {}).get(rid, 5 if c == "main" else 4)
        out.append(Road(rid, f"路{rid}", c, req, "g1", geom, length))  # type: ignore[arg-type]
    box = [lonlat(x, y) for x, y in ((-2000, -2000), (2000, -2000), (2000, 2000),
                                     (-2000, 2000))]
    grid = Grid("g1", "一号网格", tuple(inspectors), Polygon(box))
    settings = CitySettings(window_start_min=window[0], window_end_min=window[1])
    return City("test", tuple(out), (grid,), (), settings)


class CountRule:
    """A tiny device rule for the tests: counts fixes and ticks it was shown."""

    type = "test_rule"

    def new_state(self) -> list[int]:
        return [0, 0]

    def export_state(self, state: list[int]) -> None:
        raise TypeError("the test rule's state is not exported")

    def import_state(self, data: object) -> list[int]:
        raise TypeError("the test rule's state is not exported")

    def on_fix(self, state: list[int], device: object, fix: object, book: object) -> list[int]:
        state[0] += 1
        return state

    def on_tick(self, state: list[int], device: object, now: float, on_duty: bool,
                book: object) -> list[int]:
        state[1] += 1
        return state


def make_tracker(city: City, *, patrol: PatrolConfig | None = None,
                 alerts: AlertConfig | None = None, extra: dict[str, str] | None = None,
                 rules: Sequence[DeviceRule] | None = None,
                 start: float | None = None) -> tuple[Tracker, ManualClock]:
    index = CityIndex(city)
    clock = ManualClock(at("07:00") if start is None else start)
    registry = DeviceRegistry(index.grids, extra=extra)
    tracker = Tracker(index, patrol or PatrolConfig(), alerts or AlertConfig(), registry, clock,
                      rules=[CountRule()] if rules is None else rules)
    return tracker, clock


def walk(pts: Sequence[tuple[float, float]], device: str, t0: float, *, speed: float = 1.4,
         every: float = 5.0, noise: float = 0.0, seed: int = 0, lateral: float = 0.0,
         heading: bool = False) -> list[Position]:
    """Fixes every `every` s walking the polyline at `speed` m/s, optionally noisy; with
    `heading` the fixes carry the walking direction and speed, as phones report them."""
    rng = random.Random(seed)
    line = LineString(pts)
    total = line.length
    n = int(total / (speed * every))
    out = []
    for k in range(n + 1):
        d = min(k * speed * every, total)
        p = line.interpolate(d)
        q = line.interpolate(min(d + 0.5, total))
        r = line.interpolate(max(d - 0.5, 0.0))
        dx, dy = q.x - r.x, q.y - r.y
        norm = math.hypot(dx, dy) or 1.0
        x = p.x - dy / norm * lateral + rng.gauss(0.0, noise)
        y = p.y + dx / norm * lateral + rng.gauss(0.0, noise)
        lon, lat = lonlat(x, y)
        if heading:
            deg = math.degrees(math.atan2(dx, dy)) % 360.0
            out.append(Position(device, t0 + k * every, lat, lon, speed=speed, heading=deg))
        else:
            out.append(Position(device, t0 + k * every, lat, lon))
    return out


def stand(x: float, y: float, device: str, t0: float, seconds: float, every: float = 5.0,
          noise: float = 0.0, seed: int = 0) -> list[Position]:
    rng = random.Random(seed)
    out = []
    for k in range(int(seconds / every) + 1):
        lon, lat = lonlat(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise))
        out.append(Position(device, t0 + k * every, lat, lon))
    return out


def feed(tracker: Tracker, positions: Sequence[Position], batch: int = 50) -> list[Event]:
    """Ingest in batches as a live feed would: a ManualClock follows the newest fix."""
    events: list[Event] = []
    clock = tracker.ctx.clock
    for i in range(0, len(positions), batch):
        chunk = positions[i:i + batch]
        if isinstance(clock, ManualClock):
            clock.set(max(clock.now(), *(p.ts for p in chunk)))
        rejected: list[tuple[int, str]] = []
        events += tracker.ingest(chunk, rejected)
        assert rejected == [], rejected
    events += tracker.flush()
    return events


def passes(tracker: Tracker, road: str, date: str = DATE) -> int:
    row = next(r for r in tracker.compliance(date, now=at("12:00", date)) if r["road"] == road)
    return int(row["passes"])


def alerts_of(events: Sequence[Event], type_: str) -> tuple[list[Alert], list[Alert]]:
    raised = [e.alert for e in events if isinstance(e, AlertEvent) and e.alert.type == type_]
    cleared = [e.alert for e in events if isinstance(e, ClearedEvent) and e.alert.type == type_]
    return raised, cleared


def road_events(events: Sequence[Event]) -> list[RoadEvent]:
    return [e for e in events if isinstance(e, RoadEvent)]

