"""How far did a partial walk get? Position fixes against Doppler odometry: a study for issue 12.

    python bench/doppler_extent.py [--seed 2] [--days 1]

The judgement bench's along-road bound (bench/judgement.py --along-only) says what no map
matcher can fix: a walk that stops at 75 % of a road and turns back is counted when the fixes'
along-road error, which drifts over tens of seconds (Gauss-Markov), carries its far end past
80 %. That bound assumes the extent is read from positions. A receiver also reports speed and
heading from Doppler, whose error the position's multipath and drift hardly share. Integrated
from the junction the walk came in by (a place known without error), it measures how far the
walk went to within the integrated velocity noise. This script measures both readings on the
bench's own deliberate partial walks (bench/judge/walkers.py), with the road known (no matcher
involved), so it bounds what either reading can do:

- position: the farthest median-of-three projection of the noisy fixes onto the road walked;
- odometry: the along-road part of each fix's velocity (speed and heading as reported, none
  below 0.3 m/s), integrated from the junction, the entry time known to ENTRY_S;
- odometry under Doppler drift: the same with the velocity error of the bench's "Doppler drift"
  conditions (bench/judge/receiver.py: a scale error per walker and a Gauss-Markov drift on
  top of the white noise; assumptions of the order handsets show, not measurements).

Per condition it prints, for stops at 75 % and for turn-backs at 30-70 %: how many of them
each reading carries past 80 % (a partial walk counted as a pass), and the 50th/95th
percentile of the error in the far end (m). Shares the judge's code, nothing from tracking/.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.judge.cities import CITIES
from bench.judge.conditions import Condition
from bench.judge.geo import FloatArray, cumulative, direction_at
from bench.judge.noise import NoiseSpec
from bench.judge.receiver import Fixes, receive
from bench.judge.runner import day_plan, prepare, seed_of
from bench.judge.streets import StreetMap
from bench.judge.walkers import Partial

PASS_SHARE = 0.8
ENTRY_S = 2.0  # sd of when the walk left the junction, as read from the turn (s)

CONDITIONS = [Condition(NoiseSpec("gm", s), iv) for s in (5.0, 8.0, 12.0) for iv in (1.0, 5.0)]


@dataclass
class Tally:
    n: int = 0
    counted: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[float]] = field(default_factory=dict)

    def add(self, reading: str, far: float, true_far: float, length: float) -> None:
        self.counted[reading] = self.counted.get(reading, 0) + (far >= PASS_SHARE * length)
        self.errors.setdefault(reading, []).append(abs(far - true_far))


READINGS = ("position", "odometry", "odometry under Doppler drift")


def median3(x: FloatArray) -> FloatArray:
    if len(x) < 3:
        return x
    m = np.median(np.stack((x[:-2], x[1:-1], x[2:])), axis=0)
    return np.concatenate((x[:1], m, x[-1:]))


def reported(f: Fixes) -> FloatArray:
    """Velocity vectors from the reported speed and heading (zero without a heading)."""
    assert f.speed is not None and f.heading is not None
    h = np.radians(np.nan_to_num(f.heading, nan=0.0))
    v = np.where(np.isnan(f.heading), 0.0, f.speed)
    return np.column_stack((v * np.sin(h), v * np.cos(h)))


def odometry(tangent: FloatArray, t: FloatArray, vel: FloatArray, t_entry: float) -> float:
    """Farthest distance from the entry end reached by integrating the along-road velocity
    (tangent: the road's direction away from the entry where each fix projects; the fix's
    position is good enough to tell which piece of a bent road it is on)."""
    along = np.einsum("ij,ij->i", vel, tangent)
    mean = np.concatenate((along[:1], 0.5 * (along[1:] + along[:-1])))  # trapezoids
    return float(max(0.0, np.max(np.cumsum(mean * np.diff(t, prepend=t_entry)))))


def study(cond: Condition, seed: int, days: int, tallies: dict[str, Tally]) -> None:
    for city_name in CITIES:
        p = prepare(city_name)
        city = p.city
        for day in range(days):
            plan, _ = day_plan(p, day, cond.motion, seed)
            key = seed_of(seed, p.name, day, cond.draws_name)
            white, drifting = np.random.default_rng(key), np.random.default_rng(key)
            drift = np.random.default_rng(seed_of(key, "drift"))
            entry = np.random.default_rng(seed_of(key, "entry"))
            for w in plan.walkers:
                # The same position error twice (the same draws), the velocity's with and
                # without the drift.
                f = receive(city, w, cond.noise, cond.interval, True, False, p.canyon_side,
                            white)
                g = receive(city, w, cond.noise, cond.interval, True, False, p.canyon_side,
                            drifting, drift=drift)
                for part in w.partials:
                    measure(city, part, f, reported(f), reported(g), entry, tallies)


def measure(city: StreetMap, part: Partial, f: Fixes, vel_white: FloatArray,
            vel_drift: FloatArray, rng: np.random.Generator, tallies: dict[str, Tally]) -> None:
    k = (f.t >= part.t0) & (f.t <= part.t1)
    if k.sum() < 2:
        return
    road = city.roads[part.road]
    line = shapely.linestrings(road.xy)
    cum = cumulative(road.xy)
    length = float(cum[-1])
    true_off = shapely.line_locate_point(line, shapely.points(f.true_xy[k]))
    entry = 0.0 if true_off[0] < length / 2 else length
    true_far = float(np.max(np.abs(true_off - entry)))
    kind = "stop at 75 %" if part.fraction == 0.75 else "turn-back at 30-70 %"
    tally = tallies.setdefault(kind, Tally())
    tally.n += 1
    seen = shapely.line_locate_point(line, shapely.points(f.true_xy[k] + f.err[k]))
    tally.add("position", float(np.max(np.abs(median3(seen) - entry))), true_far, length)
    tangent = direction_at(road.xy, cum, seen) * (1.0 if entry == 0.0 else -1.0)
    t_entry = part.t0 + rng.normal(0.0, ENTRY_S)
    for name, vel in zip(READINGS[1:], (vel_white, vel_drift), strict=True):
        far = odometry(tangent, f.t[k], vel[k], t_entry)
        tally.add(name, far, true_far, length)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--days", type=int, default=1)
    args = ap.parse_args()
    print("condition             partial walk           n    counted as a pass (position | "
          "odometry | odometry, drift)   far-end error p50/p95 m")
    for cond in CONDITIONS:
        tallies: dict[str, Tally] = {}
        study(cond, args.seed, args.days, tallies)
        for kind in sorted(tallies):
            t = tallies[kind]
            counted = " | ".join(f"{t.counted[r]:4d} ({100 * t.counted[r] / t.n:4.1f} %)"
                                 for r in READINGS)
            errs = " | ".join(f"{np.percentile(t.errors[r], 50):4.1f}/"
                              f"{np.percentile(t.errors[r], 95):4.1f}" for r in READINGS)
            print(f"{cond.base_name:21s} {kind:21s} {t.n:4d}  {counted}   {errs}", flush=True)


if __name__ == "__main__":
    main()
