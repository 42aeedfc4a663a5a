"""Bytes of tracking state per device: python bench/state_size.py [--city helsinki] [--sigma 15]

Issue 12 bounds a device's state (what a restart or a Redis handover carries: tracking/export/
device.py DeviceData, MessagePack) to 4 KB with the map matcher's lag window. Two figures:
- observed: one patrol day of the judgement bench's walkers (bench/judge/: a real street network,
  Gauss-Markov error of --sigma m, 2 % multipath jumps, fixes every second, a minute of data per
  batch) through the tracker, every device's state serialized after every batch; the largest
  and the 99th percentile;
- bound: the largest observed device with the matcher's window filled to its cap (WINDOW_B
  bytes of undecided fixes of BEAM states each) and the current and PARKED traversals each with the
  covered intervals the observed worst had in all; and the same with every traversal holding
  the most pieces it may keep (tracking/intervals.py MAX_SPANS): a bound no device can pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.judge.conditions import Condition
from bench.judge.noise import NoiseSpec
from bench.judge.runner import TICK_S, day_fixes, day_plan, prepare
from config.patrol import AlertConfig, PatrolConfig
from config.server import DevicesSection
from geofence.city import load_city
from geofence.index import CityIndex
from model.clock import DataClock
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.export.device import export_device
from tracking.intervals import MAX_SPANS
from tracking.matcher import BEAM, REAL, THIN_SLACK, WINDOW_B, Column, window_bytes
from tracking.passes import PARKED, PassState, Traversal
from tracking.state import DeviceSlot


def _size(tracker: Tracker, slot: DeviceSlot) -> int:
    return len(msgspec.msgpack.encode(export_device(slot, tracker.ctx)))


def _intervals(ps: PassState) -> int:
    trs = [ps.cur] if ps.cur is not None else []
    trs += ps.parked or []
    return sum(len(t.iv) for t in trs)


def _fill(ps: PassState, ts: float, intervals: int) -> None:
    """The matcher's window at its cap, the traversals with `intervals` numbers in all."""
    cols: list[Column] = []
    while True:  # as many columns as the matcher keeps (Matcher._general commits the rest)
        col = Column(ts - 1000.0 + len(cols), 1.234567)
        col.worn = THIN_SLACK
        for k in range(BEAM):
            col.add(1000 + k, 1234.5 + k, -9.87654321 * k, k, REAL, 123456.789, -98765.4321,
                    ts - 1.0)
        if cols and window_bytes([*cols, col]) > WINDOW_B:
            break
        if cols:
            cols[-1].strip()
        cols.append(col)
    ps.cols = cols
    trs = []
    for r in range(PARKED + 1):
        tr = Traversal(2000 + r, ts - 36000.0, ts - 50.5, 123.456789)
        share = max(1, min(intervals // 2, MAX_SPANS))  # (a traversal keeps MAX_SPANS pieces)
        tr.iv = [float(i) * 7.654321 for i in range(2 * share)]
        tr.covered, tr.moving, tr.fast_m = 321.987654, 234.5678, 1.3456789
        trs.append(tr)
    ps.cur, ps.parked = trs[0], trs[1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--city", default="helsinki")
    ap.add_argument("--sigma", type=float, default=15.0)
    args = ap.parse_args()
    p = prepare(args.city)
    cond = Condition(NoiseSpec("gm", args.sigma, jumps=0.02))
    patrol = PatrolConfig()
    index = CityIndex(load_city(p.folder), patrol.match_tolerance)
    tracker = Tracker(index, patrol, AlertConfig(),
                      DeviceRegistry.from_config(index, DevicesSection()), DataClock())
    plan, _ = day_plan(p, 0, cond.motion, 1)
    fixes = day_fixes(p, plan, cond, 0, 1)
    sizes: list[int] = []
    worst, worst_iv, worst_cols = 0, 0, 0
    for a, b in fixes.slices(TICK_S):
        tracker.ingest(fixes.positions(a, b))
        tracker.tick()
        for slot in tracker.ctx.slots.values():
            n = _size(tracker, slot)
            sizes.append(n)
            worst = max(worst, n)
            worst_iv = max(worst_iv, _intervals(slot.ps))
            worst_cols = max(worst_cols, len(slot.ps.cols or ()))
    sizes.sort()
    print(f"observed ({args.city}, gm σ{args.sigma:g} m + 2 % jumps, 1 s, {len(fixes):,} "
          f"fixes, {len(sizes):,} samples): largest {worst:,} B, 99th percentile "
          f"{sizes[int(0.99 * (len(sizes) - 1))]:,} B, median {sizes[len(sizes) // 2]:,} B; "
          f"at most {worst_cols} undecided fixes, {worst_iv} interval ends")
    slot = max(tracker.ctx.slots.values(), key=lambda s: _size(tracker, s))
    _fill(slot.ps, float(fixes.t[-1]), worst_iv)
    n_cols = len(slot.ps.cols or ())
    print(f"bound (window at its cap of {WINDOW_B:,} B: {n_cols} undecided fixes x {BEAM} "
          f"states, "
          f"{PARKED + 1} traversals): {_size(tracker, slot):,} B (issue 12: at most 4,096 B)")
    _fill(slot.ps, float(fixes.t[-1]), 2 * MAX_SPANS)
    print(f"hard bound (the same, {PARKED + 1} traversals of {MAX_SPANS} pieces each, the most "
          f"they keep): {_size(tracker, slot):,} B (issue 12: at most 4,096 B)")


if __name__ == "__main__":
    main()
