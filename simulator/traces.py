"""simulate_day: a whole patrol day of GPS fixes for a city, with its ground truth.

Every inspector's planned legs are sampled once a second along the walked line, then given
phone-like error (simulator.gpsnoise), reported speed, heading and accuracy, and short gaps:
a few seconds now and then, and twice a day about 30 s in the middle of a long road (so even a
counter that does not bridge gaps loses under a tenth of that road). The phone is silent while
"dark". Everything is drawn from seeded generators: the same arguments give the same day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import MultiLineString

from geofence.model import City
from model.position import Position
from simulator.dayplan import DevicePlan, device_rng, plan_city, resolve_behaviours
from simulator.geo import FloatArray, LocalProjection
from simulator.gpsnoise import fix_errors
from simulator.graph import RoadGraph
from simulator.truth import count_passes, road_alerts


@dataclass(frozen=True, slots=True)
class SimDay:
    date: str
    window: tuple[float, float]  # epoch seconds of the patrol window that day
    positions: list[Position]  # in time order (ties by device)
    truth_passes: dict[str, int]  # road id -> passes a perfect counter reports
    truth_pass_times: dict[str, list[float]]  # road id -> completion time of each pass
    truth_alerts: list[dict[str, Any]]  # {"type", "device" or "road", "ts"[, "start"]}
    behaviours: dict[str, str]  # device -> behaviour
    skipped: dict[str, list[str]]  # device -> road ids it left out ("skips")


def patrol_window(city: City, date: str) -> tuple[float, float]:
    day = dt.date.fromisoformat(date)
    midnight = dt.datetime(day.year, day.month, day.day,
                           tzinfo=zoneinfo.ZoneInfo(city.settings.timezone))
    start = midnight + dt.timedelta(minutes=city.settings.window_start_min)
    end = midnight + dt.timedelta(minutes=city.settings.window_end_min)
    return start.timestamp(), end.timestamp()


def _path(plan: DevicePlan) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Knot times and distances, and the vertices of the whole day's line with their distance."""
    verts: list[FloatArray] = [plan.legs[0].coords[:1]]
    kt, ks = [plan.legs[0].t0], [0.0]
    s = 0.0
    last = plan.legs[0].coords[0]
    for leg in plan.legs:
        c = leg.coords
        if leg.kind in ("walk", "ride"):
            pts = np.vstack([last[None, :], c])
            steps = np.hypot(*np.diff(pts, axis=0).T)
            keep = steps > 1e-9
            verts.append(pts[1:][keep])
            s += float(steps.sum())
            last = pts[-1]
        kt.append(leg.t1)
        ks.append(s)
    xy = np.vstack(verts)
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return np.array(kt), np.array(ks), xy, dist


def _gaps(plan: DevicePlan, t: FloatArray, rng: np.random.Generator) -> np.ndarray:
    """Mask of the seconds a fix is reported."""
    keep = np.ones(len(t), dtype=bool)
    for leg in plan.legs:
        if leg.kind == "dark":
            keep &= ~((t >= leg.t0) & (t < leg.t1))
    for start in rng.choice(len(t), size=max(len(t) // 600, 1), replace=False):
        keep[start:start + int(rng.integers(2, 7))] = False
    long_legs = [leg for leg in plan.legs if leg.kind == "walk" and leg.edge is not None
                 and (leg.t1 - leg.t0) > 400.0]
    for i in rng.permutation(len(long_legs))[:2]:
        leg = long_legs[int(i)]
        mid = (leg.t0 + leg.t1) / 2.0 + rng.uniform(-0.1, 0.1) * (leg.t1 - leg.t0)
        keep &= ~((t >= mid - 15.0) & (t < mid + 15.0))
    return keep


def _sample(plan: DevicePlan, proj: LocalProjection, noise_m: float, seed: int
            ) -> tuple[FloatArray, ...]:
    rng = device_rng(seed, plan.device + "/gps")
    kt, ks, xy, dist = _path(plan)
    t = np.arange(np.ceil(kt[0]), kt[-1], 1.0) + round(float(rng.uniform(0.0, 0.999)), 3)
    t = t[t <= kt[-1]]
    s = np.interp(t, kt, ks)
    x, y = np.interp(s, dist, xy[:, 0]), np.interp(s, dist, xy[:, 1])
    k = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
    dur = np.diff(kt)
    speed = np.where(dur[k] > 0, np.diff(ks)[k] / np.where(dur[k] > 0, dur[k], 1.0), 0.0)
    j = np.clip(np.searchsorted(dist, s, side="right") - 1, 0, len(dist) - 2)
    d = xy[j + 1] - xy[j]
    heading = np.degrees(np.arctan2(d[:, 0], d[:, 1]))
    ex, ey = fix_errors(len(t), noise_m, rng)
    keep = _gaps(plan, t, rng)
    lon, lat = proj.to_lonlat(x + ex, y + ey)
    moving = speed > 0.3
    rep_speed = np.round(np.clip(speed + rng.normal(0.0, 0.15, len(t)), 0.0, None) * moving, 2)
    rep_heading = np.where(moving, np.round((heading + rng.normal(0.0, 6.0, len(t))) % 360.0, 1),
                           np.nan)
    acc = np.round(1.5 * noise_m * np.exp(rng.normal(0.0, 0.15, len(t))), 1)
    return (t[keep], np.round(lon[keep], 7), np.round(lat[keep], 7), acc[keep],
            rep_speed[keep], rep_heading[keep])


def _positions(plans: list[DevicePlan], columns: list[tuple[FloatArray, ...]]) -> list[Position]:
    dev = np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(columns)])
    cols = [np.concatenate([c[k] for c in columns]) for k in range(6)]
    order = np.lexsort((dev, cols[0]))
    names = [p.device for p in plans]
    ts, lon, lat, acc, spd, hdg = (c[order].tolist() for c in cols)
    return [Position(names[d], t, la, lo, a, sp, None if h != h else h)
            for d, t, la, lo, a, sp, h in zip(dev[order].tolist(), ts, lat, lon, acc, spd, hdg,
                                              strict=True)]


def simulate_day(city: City | str | Path, date: str, seed: int, noise_m: float = 8.0,
                 behaviours: dict[str, str] | None = None) -> SimDay:
    """One patrol day of every grid inspector in the city, fixes at 1 Hz with noise_m error."""
    if not isinstance(city, City):
        from geofence.city import load_city

        city = load_city(city)
    if noise_m < 0:
        raise ValueError("noise_m must not be negative")
    lines = MultiLineString([c for r in city.roads for c in _parts(r.geometry)])
    proj = LocalProjection.around(lines)
    graph = RoadGraph(city, proj)
    window = patrol_window(city, date)
    chosen = resolve_behaviours(graph, behaviours)
    plans = plan_city(graph, chosen, window, seed)
    columns = [_sample(p, proj, noise_m, seed) for p in plans]
    times = count_passes(graph, plans, window)
    alerts = [a for p in plans for a in p.alerts] + road_alerts(city, times, window)
    alerts.sort(key=lambda a: (a["ts"], a["type"], a.get("device", a.get("road", ""))))
    return SimDay(date=date, window=window, positions=_positions(plans, columns),
                  truth_passes={r: len(v) for r, v in times.items()},
                  truth_pass_times=times, truth_alerts=alerts,
                  behaviours={p.device: p.behaviour for p in plans},
                  skipped={p.device: p.skipped for p in plans if p.skipped})


def _parts(geom: Any) -> list[list[tuple[float, float]]]:
    if geom.geom_type == "LineString":
        return [list(geom.coords)]
    return [list(g.coords) for g in geom.geoms]
