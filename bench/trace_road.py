"""Trace one road-day of the judgement bench: what the walkers did on it, the truth's passes,
the tracker's passes, and the map matcher's decided steps on it (and where they led off it).

    python bench/trace_road.py 'gm σ8 · 1 s · walk' kotka 0 r154 [--seed 2] [--all-steps]

For diagnosing the wrong road-days `bench/judgement.py --wrong` lists (its "date road" pairs:
day 0 is the bench's first date, 2026-06-01). Unlike bench/judge/, which reaches the tracker only
through its public entry points, this looks inside: it records the steps the matcher hands to
the pass counter (tracking.stages.CountPasses._count), so it may need changing with them.
Times are seconds after the window opens; flags are tracking/matcher.py's (0 a fix on the road,
1 outlier, 2 restart, 3 left the roads, 4 junction, 5 standing still, 6 came through the last
junction).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.judge.conditions import conditions, control
from bench.judge.runner import day_fixes, day_plan, feed, new_tracker, prepare
from bench.judge.twins import twin_roads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("condition", help="a condition's full name, as the bench prints it")
    ap.add_argument("city")
    ap.add_argument("day", type=int, help="0 for the bench's first date")
    ap.add_argument("road", help="road id")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--all-steps", action="store_true",
                    help="every step of the walkers on the road, not only the unusual ones")
    args = ap.parse_args()
    found = [c for c in conditions() + control() if c.name == args.condition]
    if not found:
        ap.error(f"no condition named {args.condition!r}")
    cond = found[0]

    import tracking.stages as stages

    p = prepare(args.city)
    roads = {r.id: r for r in p.city.roads}
    if args.road not in roads:
        ap.error(f"{args.city} has no road {args.road!r}")
    road = roads[args.road]
    plan, truth = day_plan(p, args.day, cond.motion, args.seed)
    t0 = plan.open
    twin = " (a twin road: another road within 12 m)" if road.index in twin_roads(p.city) else ""
    print(f"{args.city} {plan.date} road {road.id} '{road.name}', {road.length:.1f} m{twin}")
    walkers: set[str] = set()
    for w in plan.walkers:
        for i in range(len(w.street)):
            st = p.city.streets[int(w.street[i])]
            if st.road == road.index:
                walkers.add(w.device)
                s0, s1 = st.on_road(float(w.s0[i])), st.on_road(float(w.s1[i]))
                print(f"  walked  {w.device}  {w.t0[i] - t0:8.1f} .. {w.t1[i] - t0:8.1f} s  "
                      f"{s0:6.1f} -> {s1:6.1f} m  mode {int(w.mode[i])}")
    for tp in truth:
        if tp.road == road.index:
            print(f"  truth   {tp.device}  pass at {tp.ts - t0:8.1f} s"
                  + ("  (suspect)" if tp.suspect else ""))

    tracker = new_tracker(p)
    index = tracker.ctx.index
    ri = index.road_ids[road.id]
    log: list[tuple[Any, ...]] = []
    count = stages.CountPasses._count

    def recording(self: stages.CountPasses, slot: Any, steps: list[Any], passes: list[Any],
                  day: Any = None) -> None:
        if slot.info.id in walkers:
            log.extend((slot.info.id, *s) for s in steps)
        count(self, slot, steps, passes, day)

    stages.CountPasses._count = recording  # type: ignore[method-assign]
    try:
        feed(tracker, day_fixes(p, plan, cond, args.day, args.seed))
        tracker.flush()
    finally:
        stages.CountPasses._count = count  # type: ignore[method-assign]
    for sp in tracker.road_passes(road.id, plan.date):
        print(f"  tracker {sp['device']}  pass at {sp['ts'] - t0:8.1f} s"
              + ("  (suspect)" if sp["suspect"] else ""))
    last: dict[str, int] = {}
    for dev, ts, r, off, flag, spd in sorted(log, key=lambda s: (s[0], s[1])):
        speed = f"{spd:.2f} m/s" if spd >= 0 else "no speed"
        if r == ri and (args.all_steps or flag):
            print(f"    step {dev}  {ts - t0:8.1f} s  {off:6.1f} m  flag {flag}  {speed}")
        elif r != ri and last.get(dev) == ri:
            to = index.roads[r].id if r >= 0 else "no road"
            print(f"    step {dev}  {ts - t0:8.1f} s  -> {to} at {off:6.1f} m  flag {flag}")
        last[dev] = r


if __name__ == "__main__":
    main()
