"""Tracking accuracy on simulated demo days: python bench/accuracy.py [--seeds N] [--noise M]

For each seed, a whole demo day (every inspector, 1 Hz, GPS error of --noise metres) goes
through the Tracker in batches of 1,000 with a tick every 10 s of data time. Printed: road-days
whose pass count is exactly the simulator's truth, the alerts the simulation calls for against
those raised (type and subject; device alerts within 3 minutes of the due time), and false
alerts: raised with no counterpart in the truth, split into those on inspectors who walked the
rules ("good") and the rest.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.alert import Alert
from model.clock import DataClock
from simulator.traces import SimDay, simulate_day
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

DATE = "2026-11-20"
DEVICE_SLACK_S = 180.0  # a device alert this close to the simulated due time is the same one


def track(index: CityIndex, day: SimDay, batch: int = 1000, tick_s: float = 10.0
          ) -> Tracker:
    clock = DataClock()
    tracker = Tracker(index, PatrolConfig(), AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection()), clock)
    next_tick = float("-inf")
    for i in range(0, len(day.positions), batch):
        tracker.ingest(day.positions[i:i + batch])
        if clock.now() >= next_tick:
            tracker.tick()
            next_tick = clock.now() + tick_s
    tracker.flush()
    tracker.tick(clock.now() + 3600.0)
    return tracker


def subject(alert: dict[str, Any]) -> str:
    return str(alert.get("device", alert.get("road")))


def match_alerts(truth: list[dict[str, Any]], raised: list[Alert]
                 ) -> tuple[list[dict[str, Any]], list[Alert]]:
    """(expected alerts not raised, raised alerts not expected)."""
    left = list(raised)
    missing = []
    for want in truth:
        found = None
        for got in left:
            if got.type != want["type"] or next(iter(got.subject.values())) != subject(want):
                continue
            if "device" in want and abs(got.ts - want["ts"]) > DEVICE_SLACK_S:
                continue
            found = got
            break
        if found is None:
            missing.append(want)
        else:
            left.remove(found)
    return missing, left


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--noise", type=float, default=8.0)
    args = ap.parse_args()
    city = load_city(Path(__file__).resolve().parents[1] / "cities" / "demo")
    index = CityIndex(city)
    exact = roads = expected = found = false_good = false_other = fixes = 0
    spent = 0.0
    for seed in range(1, args.seeds + 1):
        day = simulate_day(city, DATE, seed=seed, noise_m=args.noise)
        started = time.perf_counter()
        tracker = track(index, day)
        spent += time.perf_counter() - started
        fixes += len(day.positions)
        wrong = []
        for row in tracker.compliance(DATE):
            want = day.truth_passes.get(row["road"], 0)
            roads += 1
            if row["passes"] == want:
                exact += 1
            else:
                wrong.append(f"{row['road']} {row['passes']}/{want}")
        missing, extra = match_alerts(day.truth_alerts, tracker.alerts(0))
        expected += len(day.truth_alerts)
        found += len(day.truth_alerts) - len(missing)
        good = [a for a in extra if day.behaviours.get(a.subject.get("device", "")) == "good"]
        false_good += len(good)
        false_other += len(extra) - len(good)
        print(f"seed {seed}: {len(wrong)} road-days off {wrong[:5]}, "
              f"alerts missing {[(a['type'], subject(a)) for a in missing]}, "
              f"false {[(a.type, next(iter(a.subject.values()))) for a in extra]}")
    print(f"road-days with the exact pass count: {exact}/{roads} = {100.0 * exact / roads:.2f} %"
          f" ({args.seeds} seeds, {args.noise:g} m noise)")
    print(f"alerts expected {expected}, raised {found} ({100.0 * found / max(expected, 1):.1f} %)")
    print(f"false alerts: {false_good} on inspectors who walked the rules, {false_other} others")
    print(f"tracker: {fixes / spent:,.0f} positions/s over {fixes:,} positions")


if __name__ == "__main__":
    main()
