"""What the failure policy and the typed state cost: python bench/failure_cost.py [--devices N]

On a tracker of N walking inspectors (1,000 by default) after 2 minutes of their fixes:
- a Redis snapshot: typed export + msgpack encoding (what a commit writes), against a pickle of
  the same slots (what builds before typed state wrote), and the decode + import of it;
- a checkpoint (what a failed batch is rolled back to) and a rollback to it;
- the guard's overhead on batches that do not fail (a checkpoint every CHECKPOINT_POSITIONS);
- a recovery from one poison position with a full log behind the checkpoint.
Figures are the best of several runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["GRIDWATCH_TEST_FAULTS"] = "poison-rule"  # the poison position below

from bench.tracker import Walkers, load, tracker_for  # noqa: E402
from bus.guard import Guard  # noqa: E402
from bus.pipeline import CHECKPOINT_POSITIONS  # noqa: E402
from config.testfaults import POISON_SPEED  # noqa: E402
from geofence.index import CityIndex  # noqa: E402
from model.position import Position  # noqa: E402
from tracking import checkpoint  # noqa: E402
from tracking.engine import Tracker  # noqa: E402
from tracking.export.tracker import (  # noqa: E402
    decode_tracker,
    encode_tracker,
    export_tracker,
    import_tracker,
)


def best(run: Callable[[], Any], times: int = 7) -> float:
    out = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        run()
        out = min(out, time.perf_counter() - started)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--devices", type=int, default=1000)
    args = ap.parse_args()
    city, what = load()
    index = CityIndex(city)
    walkers = Walkers(index, args.devices)
    tracker, clock = tracker_for(index, walkers.ids, rules=True)
    for k in range(120):
        batch = walkers.batch(k)
        clock.set(batch[0].ts)
        tracker.ingest(batch)
        if k % 5 == 0:
            tracker.tick()
    n = args.devices
    print(f"city: {what}; {n:,} devices after 2 minutes of fixes")

    export = best(lambda: encode_tracker(export_tracker(tracker)))
    blob = encode_tracker(export_tracker(tracker))
    ctx = tracker.ctx
    old = best(lambda: pickle.dumps({"slots": list(ctx.slots.values()), "stats": ctx.stats,
                                     "open": ctx.book.open}, protocol=pickle.HIGHEST_PROTOCOL))

    def load_state() -> None:
        tracker.reset()
        import_tracker(tracker, decode_tracker(blob))

    imported = best(load_state)
    print(f"Redis snapshot: typed export + encode {export * 1e3:.1f} ms ({export / n * 1e6:.1f} "
          f"us a device, {len(blob) / n:,.0f} bytes); pickle of the same slots {old * 1e3:.1f} ms "
          f"({old / n * 1e6:.1f} us a device); decode + import {imported * 1e3:.1f} ms")

    cp = checkpoint.take(tracker)
    take = best(lambda: checkpoint.take(tracker))
    back = best(lambda: checkpoint.restore(tracker, cp, []), 5)
    print(f"checkpoint {take * 1e3:.1f} ms, rollback to it {back * 1e3:.1f} ms")

    batches = [walkers.batch(k) for k in range(120, 240)]
    every = max(CHECKPOINT_POSITIONS, 50 * n)

    def run(guarded: bool) -> float:
        t, clock = tracker_for(index, walkers.ids, rules=True)
        for k in range(120):
            batch = walkers.batch(k)
            clock.set(batch[0].ts)
            t.ingest(batch)
        guard = Guard(t, "bench", lambda _: None, every=every) if guarded else None
        started = time.perf_counter()
        for batch in batches:
            clock.set(batch[0].ts)
            (guard.ingest if guard is not None else t.ingest)(batch)
        return time.perf_counter() - started

    plain = guarded = float("inf")
    for _ in range(3):  # alternating, so that a neighbour's burst weighs on both alike
        plain = min(plain, run(False))
        guarded = min(guarded, run(True))
    count = sum(len(b) for b in batches)
    print(f"batches that do not fail: {count / plain:,.0f} positions/s plain, "
          f"{count / guarded:,.0f} through the guard ({guarded / plain - 1:+.1%}; a checkpoint "
          f"every {every:,} positions)")

    t: Tracker
    t, clock = tracker_for(index, walkers.ids, rules=True)
    guard = Guard(t, "bench", lambda _: None, every=None)
    logged = 0
    k = 0
    while logged < every - 2 * n:  # a full log behind the checkpoint
        batch = walkers.batch(k)
        clock.set(batch[0].ts)
        guard.ingest(batch)
        logged += len(batch)
        k += 1
    batch = walkers.batch(k)
    p = batch[n // 2]
    batch[n // 2] = Position(p.device, p.ts, p.lat, p.lon, speed=POISON_SPEED)
    clock.set(batch[0].ts)
    guard.ingest(batch)  # held: it fails when a later batch releases it
    started = time.perf_counter()
    for j in range(k + 1, k + 15):
        batch = walkers.batch(j)
        clock.set(batch[0].ts)
        guard.ingest(batch)
    took = time.perf_counter() - started
    print(f"one poison position, {logged:,} positions logged since the checkpoint: recovered "
          f"in {guard.recovery_s * 1e3:.0f} ms ({guard.recoveries} recovery; the batches around "
          f"it took {took * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
