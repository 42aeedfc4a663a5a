"""Speed of the demo-city generator and of a simulated patrol day (single core).

    python bench/simulate.py [--seed N] [--city-seed N]

Prints the time to generate the demo city (target < 5 s) and to simulate a whole day of its 16
inspectors at 1 Hz (target < 20 s), with the number of positions and how the time splits.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geofence.city import load_city  # noqa: E402
from simulator.citygen import generate_city  # noqa: E402
from simulator.citywrite import write_city  # noqa: E402
from simulator.traces import simulate_day  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--city-seed", type=int, default=9)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    city = generate_city(args.city_seed)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_city(city, Path(tmp), seed=args.city_seed, lon=116.9, lat=36.6)
        loaded = load_city(tmp)
    print(f"city generation (seed {args.city_seed}): {t1 - t0:.2f} s, "
          f"{len(city.roads)} roads, {sum(r.length_m for r in city.roads) / 1000:.1f} km")
    t2 = time.perf_counter()
    day = simulate_day(loaded, "2026-05-12", seed=args.seed)
    t3 = time.perf_counter()
    devices = len(day.behaviours)
    print(f"simulate_day: {t3 - t2:.2f} s for {devices} inspectors, "
          f"{len(day.positions)} positions ({len(day.positions) / (t3 - t2):,.0f} positions/s)")
    print(f"truth: {sum(day.truth_passes.values())} passes on {len(day.truth_passes)} roads, "
          f"{len(day.truth_alerts)} alerts")


if __name__ == "__main__":
    main()
