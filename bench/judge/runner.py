"""Run one condition on one city in-process: days of walks -> fixes -> tracking.engine.Tracker
(its public entry points: ingest, tick, flush, compliance, road_passes) -> scores.

Fixes go in as a live server would take them: each 5 s of data time is one ingest() followed
by one tick(). Walks and truth depend only on (seed, city, day, motion), so every condition
grades the same days; the error depends on the condition too.
"""

from __future__ import annotations

import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.judge.cities import CITIES
from bench.judge.cityfolder import write_city
from bench.judge.conditions import Condition
from bench.judge.feed import Merged, merge
from bench.judge.geo import FloatArray
from bench.judge.plans import DayPlan, plan_day
from bench.judge.receiver import receive
from bench.judge.score import Score, score_day
from bench.judge.streets import StreetMap
from bench.judge.truth import TruePass, day_passes

if TYPE_CHECKING:
    from tracking.engine import Tracker

FIRST_DATE = "2026-06-01"  # a Monday; no daylight-saving change in the weeks after
TICK_S = 60.0


def seed_of(*parts: object) -> int:
    return zlib.crc32(repr(parts).encode())


def date_of(day: int) -> str:
    import datetime as dt
    return (dt.date.fromisoformat(FIRST_DATE) + dt.timedelta(days=day)).isoformat()


@dataclass
class Prepared:
    name: str
    tz: str
    city: StreetMap
    folder: Path
    canyon_side: FloatArray  # +1/-1 per street: the side its buildings push fixes to


_prepared: dict[str, Prepared] = {}
_tmp = tempfile.TemporaryDirectory(prefix="judge-cities-")


def prepare(name: str) -> Prepared:
    """The city as a street map and as a city folder in a temporary directory (cached)."""
    if name not in _prepared:
        spec = CITIES[name]
        city = spec.load()
        folder = write_city(city, Path(_tmp.name) / name, spec.tz)
        side = np.random.default_rng(seed_of("canyon", name)).choice([-1.0, 1.0],
                                                                   len(city.streets))
        _prepared[name] = Prepared(name, spec.tz, city, folder, side)
    return _prepared[name]


_plans: dict[tuple[int, str, int, str], tuple[DayPlan, list[TruePass]]] = {}


def day_plan(p: Prepared, day: int, motion: str, seed: int) -> tuple[DayPlan, list[TruePass]]:
    key = (seed, p.name, day, motion)
    if key not in _plans:
        plan = plan_day(p.city, date_of(day), p.tz, motion, seed_of(*key))
        _plans[key] = plan, day_passes(p.city, plan.walkers, plan.open, plan.close)
    return _plans[key]


def day_fixes(p: Prepared, plan: DayPlan, cond: Condition, day: int, seed: int) -> Merged:
    rng = np.random.default_rng(seed_of(seed, p.name, day, cond.draws_name))
    drift = (np.random.default_rng(seed_of(seed, p.name, day, cond.draws_name, "drift"))
             if cond.drift else None)
    return merge([receive(p.city, w, cond.noise, cond.interval, cond.extras, cond.dropouts,
                          p.canyon_side, rng, cond.along_only, drift) for w in plan.walkers])


def new_tracker(p: Prepared) -> Tracker:
    """A tracker on the city folder with the default settings, as a user's server would be."""
    from config.patrol import AlertConfig, PatrolConfig
    from config.server import DevicesSection
    from geofence.city import load_city
    from geofence.index import CityIndex
    from model.clock import DataClock
    from tracking.devices import DeviceRegistry
    from tracking.engine import Tracker

    patrol = PatrolConfig()
    index = CityIndex(load_city(p.folder), patrol.match_tolerance)
    return Tracker(index, patrol, AlertConfig(),
                   DeviceRegistry.from_config(index, DevicesSection()), DataClock())


def feed(tracker: Tracker, fixes: Merged) -> None:
    """A day's fixes as a live server takes them: each TICK_S of data one ingest and a tick."""
    for a, b in fixes.slices(TICK_S):
        tracker.ingest(fixes.positions(a, b))
        tracker.tick()


def run_cell(cond: Condition, city: str, days: int, seed: int = 1) -> Score:
    p = prepare(city)
    tracker = new_tracker(p)
    total = Score()
    plans = []
    for day in range(days):
        plan, truth = day_plan(p, day, cond.motion, seed)
        fixes = day_fixes(p, plan, cond, day, seed)
        silent = (day_passes(p.city, plan.walkers, plan.open, plan.close, fixes.gaps)
                  if cond.dropouts else None)
        started = time.perf_counter()
        feed(tracker, fixes)
        total.seconds += time.perf_counter() - started
        total.fixes += len(fixes)
        plans.append((plan, truth, silent))
    tracker.flush()
    for plan, truth, silent in plans:
        rows = tracker.compliance(plan.date, now=plan.close + 3600.0)
        cache: dict[str, list[dict[str, object]]] = {}

        def passes_of(road: str, date: str = plan.date,
                      cache: dict[str, list[dict[str, object]]] = cache
                      ) -> list[dict[str, object]]:
            if road not in cache:
                cache[road] = tracker.road_passes(road, date)
            return cache[road]

        total.add(score_day(p.city, plan, truth, rows, passes_of, silent))
    return total
