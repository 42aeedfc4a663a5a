"""The independent judgement bench of issue 12: python bench/judgement.py [--quick] [--server]

Walkers patrol four cities (the demo city, the judge's lattice city, two real OpenStreetMap
street networks) under the conditions of bench/judge/conditions.py; their noisy fixes go to
the tracker through its public entry points and its pass counts and compliance are graded
against the contract's pass rule applied to the noise-free walk (bench/judge/truth.py). It
shares no code with tracking/, geofence/ or simulator/. Each cell of the table reads:

    exact road-days / road-days (share) · passes counted / true passes · compliant<->
    non-compliant flips · partial walks counted as passes / partial walks

--server drives a real server.py process per cell over HTTP (POST /api/v1/positions, GET
/api/v1/roads/compliance, GET /api/v1/passes), by default on the --quick subset, to prove the
same answers end to end (compare with --quick: the figures are identical).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.judge.cities import CITIES
from bench.judge.conditions import Condition, conditions, control, quick
from bench.judge.runner import run_cell
from bench.judge.score import Score
from bench.judge.table import render

Task = tuple[Condition, str, int, int, bool]


def _run(task: Task) -> tuple[str, str, dict[str, object], float]:
    cond, city, days, seed, server = task
    started = time.perf_counter()
    if server:
        from bench.judge.serverrun import run_cell_server
        score = run_cell_server(cond, city, days, seed)
    else:
        score = run_cell(cond, city, days, seed)
    return cond.name, city, score.to_json(), time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 conditions, 1 day each")
    ap.add_argument("--control", action="store_true",
                    help="noise-free fixes only: checks the truth against the system's rules")
    ap.add_argument("--server", action="store_true",
                    help="through a real server.py over HTTP (default: in-process Tracker)")
    ap.add_argument("--seed", type=int, default=1, help="walks and errors (default 1)")
    ap.add_argument("--days", type=float, default=None,
                    help="scale the days walked per city (default 1: 380-615 road-days a "
                    "city; --quick and --server: one day)")
    ap.add_argument("--cities", default=",".join(CITIES), help="comma-separated subset")
    ap.add_argument("--only", default="", help="conditions whose name contains this text")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--wrong", action="store_true", help="list some wrong road-days per cell")
    ap.add_argument("--along-only", action="store_true",
                    help="keep only the along-road part of each fix's error: no road can be "
                         "mistaken, so what is left wrong is the pass rule meeting along-road "
                         "error (a bound on any map matcher)")
    args = ap.parse_args()
    conds = (control() if args.control else quick() if args.quick or (args.server and not args.only)
             else conditions())
    if args.along_only:
        conds = [replace(c, along_only=True) for c in conds]
    conds = [c for c in conds if args.only in c.name]
    cities = [c for c in args.cities.split(",") if c]
    for c in cities:
        if c not in CITIES:
            ap.error(f"unknown city {c!r} (known: {', '.join(CITIES)})")
    tasks: list[Task] = []
    for cond in conds:
        for city in cities:
            if args.days is None and (args.quick or args.server):
                days = 1
            else:
                days = max(1, round(CITIES[city].days * (args.days or 1.0)))
            tasks.append((cond, city, days, args.seed, args.server))
    tasks.sort(key=lambda t: -t[2] / t[0].interval)  # long cells first: the pool ends together
    started = time.perf_counter()
    results: dict[tuple[str, str], Score] = {}
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(max(1, args.jobs)) as pool:
        for i, (cname, city, score, spent) in enumerate(pool.imap_unordered(_run, tasks), 1):
            s = Score.from_json(score)
            results[(cname, city)] = s
            either = f" ({s.either} allow two counts)" if s.either else ""
            print(f"[{i}/{len(tasks)}] {cname} · {city}: {s.exact}/{s.road_days} exact"
                  f"{either}, {s.fixes:,} fixes, {spent:.1f} s", file=sys.stderr)
            if args.wrong and s.wrong:
                print("    wrong (date road counted/true): " + "; ".join(s.wrong[:6]),
                      file=sys.stderr)
    print(render(results, conds, cities, args.markdown))
    fixes = sum(s.fixes for s in results.values())
    inside = sum(s.seconds for s in results.values())
    how = "server.py over HTTP" if args.server else "in-process Tracker"
    print(f"\n{len(tasks)} cells, {fixes:,} fixes, {time.perf_counter() - started:.0f} s "
          f"({args.jobs} processes); {fixes / max(inside, 1e-9):,.0f} fixes/s inside the "
          f"system under test; seed {args.seed}, {how}")


if __name__ == "__main__":
    main()
