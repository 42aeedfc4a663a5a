"""Cost of the per-device alert rules: µs per fix, µs per device tick, bytes of state per device.

1,000,000 fixes from 1,000 devices (1 Hz for 1,000 s, fed in time order across devices as the
engine does) through every rule of tracking/rules/registry.py. The mix: walkers, standers,
scooter riders, inspectors wandering out of their grid, and vehicles. Run from the repo root:
`python bench/rules.py`. Times are process CPU time, so other jobs on the machine disturb them less.
"""

from __future__ import annotations

import gc
import math
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

# A script run as python bench/X.py has bench/ first on sys.path: the repo root
# goes first so that `tracking` is the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.patrol import AlertConfig
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, DeviceRule, Fix
from tracking.rules.registry import device_rules

DEVICES = 1_000
SECONDS = 1_000
T0 = 1_700_000_000.0
GRID_HALF_M = 1_500.0  # grid 0 is the square |x|, |y| < 1.5 km


def tracks(rng: np.random.Generator) -> tuple[list[DeviceInfo], np.ndarray, np.ndarray]:
    """Positions (devices × seconds) in metres, with 8 m of GPS noise."""
    devices: list[DeviceInfo] = []
    speeds = np.empty(DEVICES)
    for i in range(DEVICES):
        vehicle = i % 10 == 9
        devices.append(DeviceInfo(f"d-{i:04d}", "vehicle" if vehicle else "inspector",
                                  () if vehicle else (0,), None if vehicle else "g-0"))
        # walkers, standers, scooters, vehicles
        speeds[i] = 11.0 if vehicle else (0.0 if i % 10 == 0 else 8.3 if i % 10 == 1 else 1.3)
    heading = rng.uniform(0.0, 2 * math.pi, DEVICES)
    start = rng.uniform(-1_300.0, 1_300.0, (DEVICES, 2))
    t = np.arange(SECONDS, dtype=float)
    x = start[:, :1] + np.cos(heading)[:, None] * speeds[:, None] * t
    y = start[:, 1:] + np.sin(heading)[:, None] * speeds[:, None] * t
    x += rng.normal(0.0, 8.0, x.shape)
    y += rng.normal(0.0, 8.0, y.shape)
    return devices, x, y


def batch(second: int, x: np.ndarray, y: np.ndarray) -> list[Fix]:
    xs, ys = x[:, second].tolist(), y[:, second].tolist()
    ts = T0 + second
    return [Fix(ts, 31.0 + yy / 111_320.0, 121.0 + xx / 95_000.0, xx, yy, None,
                0 if abs(xx) < GRID_HALF_M and abs(yy) < GRID_HALF_M else -1, -1, True)
            for xx, yy in zip(xs, ys, strict=True)]


def run(rules: list[DeviceRule], devices: list[DeviceInfo], x: np.ndarray, y: np.ndarray,
        tick_every: int = 5) -> tuple[float, float, int, AlertBook]:
    """Seconds spent in on_fix and in on_tick over the whole track set, engine-style loop."""
    book = AlertBook()
    states: list[list[Any]] = [[r.new_state() for r in rules] for _ in devices]
    pairs = list(enumerate(rules))
    fix_s = tick_s = 0.0
    ticks = 0
    for second in range(SECONDS):
        fixes = batch(second, x, y)
        t = time.process_time()
        for device, fix, slots in zip(devices, fixes, states, strict=True):
            for j, rule in pairs:
                slots[j] = rule.on_fix(slots[j], device, fix, book)
        fix_s += time.process_time() - t
        if second % tick_every == 0:
            now = T0 + second + 0.5
            t = time.process_time()
            for device, slots in zip(devices, states, strict=True):
                for j, rule in pairs:
                    slots[j] = rule.on_tick(slots[j], device, now, True, book)
            tick_s += time.process_time() - t
            ticks += len(devices)
    return fix_s, tick_s, ticks, book


class Nothing:
    """The engine loop's own overhead, to tell it apart from the rules' cost."""

    type = "nothing"

    def new_state(self) -> None:
        return None

    def export_state(self, state: Any) -> None:
        return None

    def import_state(self, data: Any) -> None:
        return None

    def on_fix(self, state: Any, device: DeviceInfo, fix: Fix, book: AlertBook) -> Any:
        return state

    def on_tick(self, state: Any, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> Any:
        return state


def state_bytes(rules: list[DeviceRule], n: int, worst: bool) -> float:
    """Bytes of rule state per on-duty inspector after 300 fixes (tracemalloc).

    Typical: walking inside its grid. Worst: outside its grid, all runs and excursions open.
    """
    device = DeviceInfo("p", "inspector", (0,), "g-0")
    states: list[list[Any]] = [[None] * len(rules) for _ in range(n)]
    book = AlertBook()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for k, slots in enumerate(states):
        for i in range(300):
            ts = T0 + i + k * 1e-3
            if worst:  # leaves the idle radius, speeds up, and is outside: every slot busy
                xx = 0.0 if i < 280 else 40.0 + 8.0 * i
                fix = Fix(ts, 31.0, 121.0, xx + k, 1.0, None, -1, -1, True)
            else:
                fix = Fix(ts, 31.0, 121.0, 1.3 * i + k, 1.0, None, 0, -1, True)
            for j, rule in enumerate(rules):
                slots[j] = rule.on_fix(slots[j], device, fix, book)
    del fix
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return used / n


def main() -> None:
    rng = np.random.default_rng(7)
    cfg = AlertConfig.model_validate({})
    devices, x, y = tracks(rng)
    n = DEVICES * SECONDS
    print(f"{n:,} fixes from {DEVICES:,} devices, 1 Hz, 8 m noise")

    loop_s, loop_tick_s, ticks, _ = run([Nothing()], devices, x, y)
    all_s, tick_s, ticks, book = run(device_rules(cfg), devices, x, y)
    print(f"all rules: {all_s / n * 1e6:.2f} µs per fix ({n / all_s:,.0f} fixes/s), "
          f"{tick_s / ticks * 1e6:.2f} µs per device tick; engine loop alone "
          f"{loop_s / n * 1e6:.2f} µs per fix")
    raised: dict[str, int] = {}
    for alert in book.history:
        raised[alert.type] = raised.get(alert.type, 0) + 1
    print(f"alerts raised: {dict(sorted(raised.items()))}")
    for rule in device_rules(cfg):
        one_s, one_tick_s, _, _ = run([rule], devices, x, y)
        print(f"  {rule.type:<12} {(one_s - loop_s) / n * 1e6:.2f} µs per fix, "
              f"{(one_tick_s - loop_tick_s) / ticks * 1e6:.2f} µs per device tick "
              f"(net of the loop)")
    for worst in (False, True):
        per = state_bytes(device_rules(cfg), 2_000, worst)
        label = "worst case (every slot busy)" if worst else "walking inside its grid"
        print(f"state per on-duty inspector, {label}: {per:.0f} bytes "
              f"(100,000 devices: {per * 100_000 / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
