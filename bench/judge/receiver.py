"""A walker's handset: fixes sampled from the walk, with error, reported values and dropouts.

What a receiver reports besides the position (Android's Location, the fields of
docs/contract.md §4):
- `acc`: the radius of 68 % confidence. The receiver does not know its error; it estimates it
  from signal quality, so the figure follows the true error loosely: 1.5 x a blend of the
  condition's sigma and the error's recent size (over ~10 s), times a log-normal factor
  (sd 0.3). Multipath fools it: only half of the jumps and bursts raise `acc`.
- `speed` and `heading` come from Doppler velocity, which position multipath does not move: the
  true velocity plus 0.3 m/s of noise per axis; no heading below 0.3 m/s (Android reports none
  when still). Under "Doppler drift" (`drift`) that noise is not all white: each walker's
  velocity is off in scale (sd DRIFT_SCALE) and drifts (Gauss-Markov, sd DRIFT_SD per axis,
  time constant DRIFT_TAU) besides. Handsets do show this: a constant bias between Doppler and
  code rate (Peng et al., J. Navigation 2023, a Xiaomi MI8), distance from phone speed off by
  a few per cent for runners (Sensors 23(5) 2678, 2023). The figures are assumptions of that
  order, not fitted to recordings; drawn from their own generator, so the positions' error is
  the same as without the drift.
Dropouts (10-120 s, one every ~8 minutes when on) never swallow a whole street traversal: every
street the walker walked has at least one fix on it; a dropout may hide a junction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.judge.geo import FloatArray, direction_at, heading_deg, point_at
from bench.judge.noise import NoiseSpec, bulk, gauss_markov, multipath
from bench.judge.streets import StreetMap
from bench.judge.walkers import STOP, Walker

DRIFT_SCALE, DRIFT_SD, DRIFT_TAU = 0.03, 0.15, 30.0
ACC_FLOOR = 1.0  # m: Android reads an accuracy of 0 as none (Location.getAccuracy)


@dataclass
class Fixes:
    device: str
    t: FloatArray
    lon: FloatArray
    lat: FloatArray
    acc: FloatArray | None
    speed: FloatArray | None
    heading: FloatArray | None  # NaN: none reported
    true_xy: FloatArray
    err: FloatArray
    gaps: list[tuple[float, float]]  # dropouts


def true_track(city: StreetMap, w: Walker, t: FloatArray
               ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Positions, velocities (m/s) and unit street tangents at times t of the walk."""
    leg = np.clip(np.searchsorted(w.t0, t, side="right") - 1, 0, len(w.t0) - 1)
    frac = np.clip((t - w.t0[leg]) / (w.t1[leg] - w.t0[leg]), 0.0, 1.0)
    s = w.s0[leg] + (w.s1[leg] - w.s0[leg]) * frac
    rate = np.where(w.mode[leg] == STOP, 0.0, (w.s1[leg] - w.s0[leg]) / (w.t1[leg] - w.t0[leg]))
    xy = np.empty((len(t), 2))
    tangent = np.empty((len(t), 2))
    streets = w.street[leg]
    for st in np.unique(streets):
        k = streets == st
        street = city.streets[int(st)]
        xy[k] = point_at(street.xy, street.cum, s[k])
        tangent[k] = direction_at(street.xy, street.cum, s[k])
    return xy, tangent * rate[:, None], tangent


def _spans(w: Walker) -> tuple[FloatArray, FloatArray]:
    """Start and end of each street traversal (consecutive legs on one street)."""
    new = np.concatenate(([True], w.street[1:] != w.street[:-1]))
    starts = np.flatnonzero(new)
    ends = np.concatenate((starts[1:], [len(w.street)])) - 1
    return w.t0[starts], w.t1[ends]


def dropouts(w: Walker, rng: np.random.Generator, every_s: float = 480.0
             ) -> list[tuple[float, float]]:
    t_start, t_end = float(w.t0[0]), float(w.t1[-1])
    starts, ends = _spans(w)
    out = []
    for a in rng.uniform(t_start, t_end, rng.poisson((t_end - t_start) / every_s)):
        b = a + rng.uniform(10.0, 120.0)
        inside = (starts >= a) & (ends <= b)
        if not inside.any():
            out.append((float(a), float(b)))
    return out


def receive(city: StreetMap, w: Walker, spec: NoiseSpec, interval: float, extras: bool,
            drop: bool, canyon_side: FloatArray, rng: np.random.Generator,
            along_only: bool = False, drift: np.random.Generator | None = None) -> Fixes:
    """along_only: keep only the part of each fix's error along the street walked (the same
    draws, so the same walk is compared with and without the rest); drift: the generator of
    the Doppler velocity's scale error and drift (module docstring), None for white only."""
    t = np.arange(float(w.t0[0]) + rng.uniform(0.0, interval), float(w.t1[-1]), interval)
    gaps = dropouts(w, rng) if drop else []
    if gaps:
        keep = np.ones(len(t), dtype=bool)
        for a, b in gaps:
            keep &= (t < a) | (t >= b)
        t = t[keep]
    xy, vel, tangent = true_track(city, w, t)
    err = bulk(spec, t, rng)
    jump, hit = multipath(spec, t, rng)
    if spec.canyon_m:
        leg = np.clip(np.searchsorted(w.t0, t, side="right") - 1, 0, len(w.t0) - 1)
        side = canyon_side[w.street[leg]]
        err += spec.canyon_m * side[:, None] * np.column_stack((-tangent[:, 1], tangent[:, 0]))
    seen = xy + err + jump
    if along_only:
        seen = xy + ((err + jump) * tangent).sum(axis=1, keepdims=True) * tangent
    lon, lat = city.plane.to_lonlat(seen)
    acc = speed = heading = None
    if extras:
        size = np.hypot(err[:, 0], err[:, 1]) / np.sqrt(2.0)
        recent = np.sqrt(np.convolve(size ** 2, np.ones(9) / 9.0, mode="same"))
        est = np.sqrt(0.5 * spec.sigma ** 2 + 0.5 * recent ** 2)
        noticed = hit & (rng.random(len(t)) < 0.5)
        est = np.where(noticed, np.hypot(est, np.hypot(jump[:, 0], jump[:, 1]) / 1.5), est)
        acc = np.round(np.maximum(1.5 * est * rng.lognormal(0.0, 0.3, len(t)), ACC_FLOOR), 1
                       ).astype(np.float64)
        v = vel + rng.standard_normal((len(t), 2)) * 0.3
        if drift is not None:
            v += vel * drift.normal(0.0, DRIFT_SCALE) + gauss_markov(t, DRIFT_SD, DRIFT_TAU,
                                                                     drift)
        speed = np.round(np.hypot(v[:, 0], v[:, 1]), 2).astype(np.float64)
        heading = np.where(np.hypot(vel[:, 0], vel[:, 1]) >= 0.3,
                           np.round(heading_deg(v[:, 0], v[:, 1]), 1) % 360.0, np.nan)
    return Fixes(w.device, t, lon, lat, acc, speed, heading, xy, err + jump, gaps)
