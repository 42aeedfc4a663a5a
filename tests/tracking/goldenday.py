"""A golden patrol day: every user-visible decision of the tracker on one fixed simulated day.

`python -m tests.tracking.goldenday --write` records tests/tracking/golden_day.json from the
code as it is; tests/tracking/test_golden.py asserts that the code still decides exactly that.
It guards speed work (a faster tracker must decide the same), so regenerate it only when a
change of decisions is meant, and say so in the commit.

The day (deterministic): the demo city, every inspector, GPS error of 10 m with no cap
(simulator/gpsnoise.py), then made harder and more varied than the simulator alone:
- half the inspectors report every 2 s (dense: the median-of-three filter), half every 5 s;
- a third report a speed (from their own noisy fixes: rough, as a cheap receiver's) and a
  third an accuracy;
- now and then a fix too vague to use, or one thrown 2 km off (implies an impossible speed);
- batches of varied sizes, a tick every 10 s of data time, a flush at the end, then an hour.
Recorded: the compliance table, every pass (road, time, device, suspect, coverage, speed),
every alert (type, subject, time, clearing time), bad-fix counters, and per device a digest of
the road matched to each of its fixes and of the road shown with each live position event.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from model.events import PositionEvent
from model.position import Position
from simulator.traces import simulate_day
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.stages import Batch

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden_day.json")
DATE = "2026-11-20"
SEED = 12
NOISE_M = 10.0
BATCHES = (1000, 250, 1700, 40, 900)
TICK_S = 10.0


def _r(v: float | None) -> float | None:
    """Floats to the micro-unit: the record is of decisions, not of the last bit."""
    return None if v is None or not math.isfinite(v) else round(v, 6)


def positions() -> list[Position]:
    sim = simulate_day(ROOT / "cities" / "demo", DATE, seed=SEED, noise_m=NOISE_M)
    devices = sorted({p.device for p in sim.positions})
    rank = {d: i for i, d in enumerate(devices)}
    prev: dict[str, Position] = {}
    out = []
    for n, p in enumerate(sim.positions):
        k = rank[p.device]
        if int(p.ts) % (2 if k % 2 == 0 else 5):
            continue
        acc = speed = None
        if k % 3 == 1:
            acc = 6.0 + (n % 7) * 2.0
        if k % 3 == 2 and (q := prev.get(p.device)) is not None:
            # Equirectangular metres: rough on purpose (a receiver's speed is rough too).
            dx = (p.lon - q.lon) * 111_320.0 * math.cos(math.radians(p.lat))
            dy = (p.lat - q.lat) * 110_540.0
            speed = round(math.hypot(dx, dy) / (p.ts - q.ts), 2)
        lat = p.lat
        if n % 997 == 0:
            acc = 500.0  # too vague to use
        elif n % 1499 == 0:
            lat += 0.02  # 2 km off
        q = Position(p.device, p.ts, lat, p.lon, acc, speed)
        prev[p.device] = q
        out.append(q)
    return out


def run(fixes: list[Position]) -> dict[str, Any]:
    index = CityIndex(load_city(ROOT / "cities" / "demo"))
    clock = DataClock()
    tracker = Tracker(index, PatrolConfig(), AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection()), clock)
    matched: dict[str, list[tuple[float, int]]] = {}
    passes: list[list[Any]] = []
    road_ids = [road.id for road in index.roads]

    def record(batch: Batch) -> None:  # an extra last stage: reads what the batch decided
        i = 0
        for slot, group in batch.released:
            seq = matched.setdefault(slot.info.id, [])
            for pos in group:
                seq.append((pos.ts, batch.roads[i]))
                i += 1
        for rec in batch.passes:
            passes.append([road_ids[rec.road], _r(rec.ts), rec.device, rec.suspect,
                           _r(rec.start_ts), _r(rec.covered_m), _r(rec.speed)])

    tracker.stages.append(record)
    live: dict[str, list[tuple[float, str | None]]] = {}

    def take(events: list[Any]) -> None:
        for ev in events:
            if isinstance(ev, PositionEvent):
                live.setdefault(ev.position.device, []).append((ev.position.ts, ev.road))

    next_tick = -math.inf
    i = k = 0
    while i < len(fixes):
        size = BATCHES[k % len(BATCHES)]
        take(tracker.ingest(fixes[i:i + size]))
        i, k = i + size, k + 1
        if clock.now() >= next_tick:
            take(tracker.tick())
            next_tick = clock.now() + TICK_S
    take(tracker.flush())
    take(tracker.tick(clock.now() + 3600.0))

    def digest(seq: list[Any]) -> str:
        return hashlib.sha256(repr(seq).encode()).hexdigest()[:16]

    return {
        "fixes": len(fixes),
        "compliance": [[r["road"], r["passes"], _r(r["last_pass_ts"]), r["status"]]
                       for r in tracker.compliance(DATE)],
        "passes": passes,
        "alerts": [[a.type, a.subject, _r(a.ts), _r(a.cleared_ts)] for a in tracker.alerts(0)],
        "counters": tracker.stats(),
        "matched": {d: [len(s), digest(s)] for d, s in sorted(matched.items())},
        "live": {d: [len(s), digest(s)] for d, s in sorted(live.items())},
    }


def golden() -> dict[str, Any]:
    return run(positions())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help=f"write {GOLDEN.name}")
    args = ap.parse_args()
    out = golden()
    text = json.dumps(out, indent=0, ensure_ascii=False)
    if args.write:
        GOLDEN.write_text(text + "\n")
        print(f"wrote {GOLDEN} ({out['fixes']:,} fixes, {len(out['passes'])} passes, "
              f"{len(out['alerts'])} alerts)")
    else:
        same = json.loads(GOLDEN.read_text()) == json.loads(text)
        print("same as the golden day" if same else "DIFFERS from the golden day")


if __name__ == "__main__":
    main()
