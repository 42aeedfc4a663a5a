"""A city's patrol day: the shifts of its walkers, timed in the city's own time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np

from bench.judge.moves import all_moves
from bench.judge.streets import StreetMap
from bench.judge.walkers import Walker, walk_shift

WINDOW = ((7, 30), (18, 30))  # the contract's default patrol window (docs/contract.md §1)
POOL = 64  # inspector ids registered in each city; a day uses one per shift
TARGET_VISITS = 2.7  # mean walks per road and day: counts land around the required 2-3


def device_ids() -> list[str]:
    return [f"insp-{k:02d}" for k in range(POOL)]


@dataclass
class DayPlan:
    date: str
    open: float  # epoch seconds of the patrol window's opening and closing
    close: float
    walkers: list[Walker]


def local_epoch(date: str, hour: int, minute: int, tz: str) -> float:
    d = dt.date.fromisoformat(date)
    return dt.datetime(d.year, d.month, d.day, hour, minute,
                       tzinfo=zoneinfo.ZoneInfo(tz)).timestamp()


def plan_day(city: StreetMap, date: str, tz: str, motion: str, seed: int,
             target: float = TARGET_VISITS) -> DayPlan:
    """Shifts of 1.5-2.5 h starting between 07:05 and 16:40, added until the roads have had
    `target` walks each on average. Some start before the window opens, some run past its
    close: what they walk outside the window must count for nothing."""
    rng = np.random.default_rng(seed)
    visits = np.zeros(len(city.roads))
    moves = all_moves(city)
    first = local_epoch(date, 7, 5, tz)
    last = local_epoch(date, 16, 40, tz)
    walkers: list[Walker] = []
    ids = device_ids()
    while visits.mean() < target and len(walkers) < len(ids):
        start = float(rng.uniform(first, last))
        end = start + float(rng.uniform(5400.0, 9000.0))
        walkers.append(walk_shift(city, moves, visits, rng, ids[len(walkers)], start, end,
                                  motion))
    (h0, m0), (h1, m1) = WINDOW
    return DayPlan(date, local_epoch(date, h0, m0, tz), local_epoch(date, h1, m1, tz), walkers)
