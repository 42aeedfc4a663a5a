"""Per inspector, per local date: distance walked, time on duty, roads, passes (daily report).

Raw GPS jitter of 8 m adds kilometres a day to a naive sum of fix-to-fix distances. So the track
is smoothed (exponential, `alpha`) and the distance only grows when the smoothed position has
moved `step_m` from the last counted point: standing still adds (almost) nothing, walking adds
its length. Only fixes inside the patrol window count; a silence longer than signal_lost_s is
neither time on duty nor distance (nobody knows where the device went).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from geofence.model import Road

log = logging.getLogger(__name__)


class DayStats:
    __slots__ = ("ax", "ay", "distance", "duty_s", "last_ts", "passes", "roads", "suspect",
                 "sx", "sy")

    def __init__(self) -> None:
        self.distance = 0.0
        self.duty_s = 0.0
        self.last_ts = -math.inf
        self.sx = self.sy = 0.0  # smoothed position
        self.ax = self.ay = 0.0  # last point the distance was counted to
        self.roads: list[int] | None = None  # a list: a set costs 216 bytes for one road
        self.passes = 0
        self.suspect = 0


class InspectorMeter:
    def __init__(self, signal_lost_s: float, step_m: float = 15.0, alpha: float = 0.3) -> None:
        self.gap_s = signal_lost_s
        self.step = step_m
        self.alpha = alpha

    def update(self, ds: DayStats, ts: float, x: float, y: float, road: int) -> None:
        """One in-window fix, in time order."""
        dt = ts - ds.last_ts
        if dt > self.gap_s:
            ds.sx = ds.ax = x
            ds.sy = ds.ay = y
        elif dt > 0.0:
            ds.duty_s += dt
            a = self.alpha
            sx = ds.sx = ds.sx + a * (x - ds.sx)
            sy = ds.sy = ds.sy + a * (y - ds.sy)
            d = math.hypot(sx - ds.ax, sy - ds.ay)
            if d >= self.step:
                ds.distance += d
                ds.ax = sx
                ds.ay = sy
        ds.last_ts = ts
        if road >= 0:
            roads = ds.roads
            if roads is None:
                ds.roads = [road]
            elif road != roads[-1] and road not in roads:
                roads.append(road)


def inspector_row(device: str, grids: Sequence[str], ds: DayStats | None, roads: Sequence[Road],
                  alerts: int) -> dict[str, Any]:
    if ds is None:
        ds = DayStats()
    return {
        "device": device, "grids": list(grids),
        "distance_m": round(ds.distance, 1), "on_duty_s": round(ds.duty_s, 1),
        "roads": sorted(roads[i].id for i in ds.roads or ()),
        "passes": ds.passes, "suspect_passes": ds.suspect, "alerts": alerts,
    }


def grid_rows(grids: Iterable[tuple[str, str]], road_rows: Sequence[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """Aggregate compliance rows per grid; coverage caps each road at its required passes."""
    acc: dict[str | None, dict[str, Any]] = {}
    for gid, name in grids:
        acc[gid] = {"grid": gid, "name": name, "roads": 0, "ok": 0, "behind": 0, "missed": 0,
                    "pending": 0, "passes": 0, "required": 0, "done": 0}
    for row in road_rows:
        g = acc.get(row["grid"])
        if g is None:  # a road outside every listed grid gets a row of its own
            g = acc[row["grid"]] = {
                "grid": row["grid"], "name": None, "roads": 0, "ok": 0, "behind": 0,
                "missed": 0, "pending": 0, "passes": 0, "required": 0, "done": 0}
        g["roads"] += 1
        g[row["status"]] += 1
        g["passes"] += row["passes"]
        g["required"] += row["required"]
        g["done"] += min(row["passes"], row["required"])
    out = []
    for g in acc.values():
        g["coverage_pct"] = round(100.0 * g["done"] / g["required"], 1) if g["required"] else 100.0
        out.append(g)
    return out
