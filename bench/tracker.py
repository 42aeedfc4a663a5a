"""Tracking throughput and memory: python bench/tracker.py [--profile] [--opcodes]

Prints points/s of Tracker.ingest for batches of 1,000 fixes from 1,000 walking inspectors
(matching + reorder + road choice + pass counting, then the same with the device alert rules),
and the bytes of state per tracked device in steady state (tracemalloc over 20,000 devices,
stored track history reported apart). Uses cities/demo/ when present, else a synthetic city.
Batches are timed in this process's CPU time (time.process_time), so time the machine gives to
other work does not count; the median batch and the best are printed. --opcodes also counts the
Python bytecodes executed per fix (sys.settrace with opcode events; numpy's C code is not
counted): a measure of the work that does not depend on the machine's load at all.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
from shapely.geometry import LineString, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.patrol import AlertConfig, PatrolConfig
from geofence.index import CityIndex
from geofence.model import City, CitySettings, Grid, Road, RoadClass
from geofence.projection import LocalProjection
from model.clock import ManualClock
from model.position import Position
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.rules.registry import device_rules

T0 = 1772413200.0  # 2026-03-02 09:00 Asia/Shanghai, inside the patrol window
EVERY = 5.0


def synthetic_city(n: int = 15, block: float = 200.0) -> City:
    proj = LocalProjection(120.15, 30.25)

    def ll(xs: list[float], ys: list[float]) -> list[tuple[float, float]]:
        lon, lat = proj.inverse(np.array(xs), np.array(ys))
        return list(zip(lon.tolist(), lat.tolist(), strict=True))

    roads = []
    half = (n - 1) * block / 2
    for i in range(n):
        c = i * block - half
        for j in range(n - 1):
            a, b = j * block - half, (j + 1) * block - half
            for rid, xs, ys in ((f"h{i}-{j}", [a, b], [c, c]), (f"v{i}-{j}", [c, c], [a, b])):
                cls: RoadClass = "main" if i % 4 == 0 else "secondary"
                roads.append(Road(rid, rid, cls, 5 if cls == "main" else 4, None,
                                  LineString(ll(xs, ys)), block))
    grids = []
    for g, (x0, y0) in enumerate(((-1, -1), (0, -1), (-1, 0), (0, 0))):
        corners = ll([x0 * half - 50, (x0 + 1) * half + 50], [y0 * half - 50, (y0 + 1) * half + 50])
        (lo0, la0), (lo1, la1) = corners
        grids.append(Grid(f"g{g}", f"grid {g}", (), box(lo0, la0, lo1, la1)))
    return City("synthetic", tuple(roads), tuple(grids), (), CitySettings())


def load() -> tuple[City, str]:
    demo = Path(__file__).resolve().parents[1] / "cities" / "demo"
    if (demo / "roads.geojson").exists():
        from geofence.city import load_city
        return load_city(demo), "cities/demo"
    return synthetic_city(), "synthetic 15x15 street grid (cities/demo/ absent)"


class Walkers:
    """n inspectors pacing random roads end to end at 1.4 m/s with 5 m GPS noise."""

    def __init__(self, index: CityIndex, n: int, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.index = index
        self.ids = [f"w{i}" for i in range(n)]
        self.road = rng.integers(0, len(index.roads), n)
        self.length = index.road_length[self.road]
        self.phase = rng.uniform(0, 2 * self.length)
        self.rng = rng
        # Points along each device's road, sampled once, interpolated per batch.
        self.samples = [np.array([index.project(*index.road_point(int(r), f * length))
                                  for f in np.linspace(0.0, 1.0, 9)]).reshape(9, 2)
                        for r, length in zip(self.road, self.length, strict=True)]

    def batch(self, k: int) -> list[Position]:
        d = (self.phase + 1.4 * EVERY * k) % (2 * self.length)
        d = np.where(d > self.length, 2 * self.length - d, d) / np.maximum(self.length, 1e-9)
        xy = np.array([np.array([np.interp(f, np.linspace(0, 1, 9), s[:, 0]),
                                 np.interp(f, np.linspace(0, 1, 9), s[:, 1])])
                       for f, s in zip(d, self.samples, strict=True)])
        xy += self.rng.normal(0.0, 5.0, xy.shape)
        lon, lat = self.index.unproject(xy[:, 0], xy[:, 1])
        ts = T0 + EVERY * k
        return [Position(dev, ts, la, lo)
                for dev, lo, la in zip(self.ids, lon.tolist(), lat.tolist(), strict=True)]


def tracker_for(index: CityIndex, ids: list[str], rules: bool) -> tuple[Tracker, ManualClock]:
    """ids are registered up front; with none, devices register (and get state) on first fix."""
    clock = ManualClock(T0)
    registry = DeviceRegistry(index.grids, extra=dict.fromkeys(ids, "inspector"),
                              auto_register=not ids)
    cfg = AlertConfig()
    return Tracker(index, PatrolConfig(), cfg, registry, clock,
                   rules=device_rules(cfg) if rules else []), clock


def throughput(index: CityIndex, rules: bool, batches: int = 60, profile: bool = False
               ) -> tuple[float, float]:
    walkers = Walkers(index, 1000)
    data = [walkers.batch(k) for k in range(batches)]
    tracker, clock = tracker_for(index, walkers.ids, rules)
    for k in range(3):  # warm up: devices registered, reorder windows full
        clock.set(data[k][0].ts)
        tracker.ingest(data[k])
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    times = []
    for k in range(3, batches):
        clock.set(data[k][0].ts)
        start = time.process_time()
        tracker.ingest(data[k])
        times.append(time.process_time() - start)
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(14)
    # The median batch: the machine is shared, and a neighbour's burst should not count.
    return 1000 / statistics.median(times), 1000 / min(times)


def opcodes(index: CityIndex, rules: bool, batches: int = 8) -> float:
    """Python bytecodes executed per fix, over batches 3..batches-1 of the same load."""
    walkers = Walkers(index, 1000)
    data = [walkers.batch(k) for k in range(batches)]
    tracker, clock = tracker_for(index, walkers.ids, rules)
    for k in range(3):
        clock.set(data[k][0].ts)
        tracker.ingest(data[k])
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "call":
            frame.f_trace_opcodes = True
        elif event == "opcode":
            count += 1
        return trace

    fixes = 0
    for k in range(3, batches):
        clock.set(data[k][0].ts)
        sys.settrace(trace)
        try:
            tracker.ingest(data[k])
        finally:
            sys.settrace(None)
        fixes += len(data[k])
    return count / fixes


def memory(index: CityIndex, n: int = 20_000, rounds: int = 6) -> tuple[float, float]:
    walkers = Walkers(index, n, seed=2)
    # Registered on first fix, so that their slots are made (and measured) below.
    tracker, clock = tracker_for(index, [], rules=True)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for k in range(rounds):
        batch = walkers.batch(k)
        clock.set(batch[0].ts)
        for i in range(0, n, 1000):
            tracker.ingest(batch[i:i + 1000])
        tracker.tick()
        del batch
    gc.collect()
    total = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    tracks = sum(sys.getsizeof(t) + sys.getsizeof(t.data) + 100  # + its dict entry
                 for day in tracker.ctx.tracks.values() for t in day.values())
    return (total - tracks) / n, tracks / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", action="store_true", help="cProfile the pass-counting run")
    ap.add_argument("--opcodes", action="store_true",
                    help="also count the bytecodes executed per fix (load-independent)")
    args = ap.parse_args()
    city, what = load()
    index = CityIndex(city)
    print(f"city: {what}: {len(city.roads)} roads, {len(city.grids)} grids")
    core, core_best = throughput(index, rules=False, profile=args.profile)
    print(f"matching + reorder + passes: {core:,.0f} points/s median batch, {core_best:,.0f} "
          f"best (batches of 1,000 from 1,000 devices; CPU time)")
    full, full_best = throughput(index, rules=True)
    print(f"full ingest incl. device rules: {full:,.0f} points/s median, {full_best:,.0f} best")
    if args.opcodes:
        print(f"bytecodes per fix: {opcodes(index, rules=False):,.0f} matching + reorder + "
              f"passes, {opcodes(index, rules=True):,.0f} full ingest")
    per_dev, track = memory(index)
    print(f"state per tracked device (20,000 devices, steady state): {per_dev:,.0f} bytes "
          f"(+ {track:,.0f} bytes of stored track for {6 * EVERY:.0f} s of fixes)")
    print(f"per fix: {1e6 / core:.1f} us (median batch; figures vary with the machine's load)")


if __name__ == "__main__":
    main()
