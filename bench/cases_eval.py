"""Evaluation tables for a county's year (issue 15): 40,000 cases and their flow log, on SQLite
and on PostgreSQL; prints the time of every table (dimension x period) and the slowest.

The year is written straight into the database (bulk inserts, not over HTTP: the figure is the
evaluation's, not the writing's): 95 % inspector reports, 3 % camera, 2 % hotline, 10
departments that are on time, late or sloppy, 30 grids and 60 inspectors, 3 % voided, 8 %
reworked, the last days still open; 漏报 rows for 1 % of the cases; 7 log lines a case (10 for
a rework), so the log holds more than 250,000 lines.

Usage: python bench/cases_eval.py [--cases 40000] [--database URL] [--postgres] [--repeat 5]
  --postgres starts a PostgreSQL cluster of its own (tests/pgproc.py), besides SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cases.catalog import load_catalog  # noqa: E402
from cases.db.engine import Database, database_url, redact_url  # noqa: E402
from cases.db.schema import cases, flow_log, missed  # noqa: E402
from cases.evaluation import DIMENSIONS, PERIODS, Evaluation  # noqa: E402
from config.cases import CasesSection  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2025
DEPARTMENTS = {"sanitation": (0.3, 0.9, 0.03), "enforcement": (0.6, 1.8, 0.05),
               "municipal": (0.3, 1.0, 0.25), "traffic": (0.2, 0.8, 0.03),
               "landscape": (0.4, 1.1, 0.05), "streetlight": (0.5, 1.6, 0.05),
               "water": (0.2, 0.7, 0.02), "housing": (0.3, 1.2, 0.2),
               "emergency": (0.1, 0.5, 0.02), "patrol": (0.3, 0.9, 0.05)}
H = 3600.0


def year_rows(n: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                         list[dict[str, Any]]]:
    """(cases, flow-log lines, missed reports) of a year, times spread over the year."""
    rng = random.Random(seed)
    classes = list(load_catalog().classes)
    t_start = datetime(YEAR, 1, 1, tzinfo=ZONE).timestamp()
    t_end = datetime(YEAR + 1, 1, 1, tzinfo=ZONE).timestamp()
    grids = [f"g{k:02d}" for k in range(1, 31)]
    inspectors = [f"{g}-{s}" for g in grids for s in "ab"]
    deps = list(DEPARTMENTS)
    case_rows, log_rows, missed_rows = [], [], []
    for cid in range(1, n + 1):
        created = t_start + (t_end - t_start) * (cid - 1) / n + rng.uniform(0, 600)
        r = rng.random()
        source = "inspector" if r < 0.95 else "camera" if r < 0.98 else "hotline"
        grid = rng.choice(grids)
        reporter = f"{grid}-{rng.choice('ab')}" if source == "inspector" else "operator"
        dep = rng.choice(deps)
        low, high, fail = DEPARTMENTS[dep]
        t = created
        lines: list[tuple[str, str, str, float, dict[str, Any] | None]] = [
            ("report", "", "reported", t, {"source": source})]
        row: dict[str, Any] = {
            "id": cid, "state": "reported", "class_code": rng.choice(classes),
            "urgent": False, "source": source, "source_ref": None, "reporter": reporter,
            "description": "巡查发现", "address": "", "lon": 116.9 + rng.uniform(-0.05, 0.05),
            "lat": 36.6 + rng.uniform(-0.05, 0.05), "road": None, "grid": grid,
            "component": None, "suggested": dep, "department": None, "assignee": None,
            "evidence": None, "created_ts": created, "opened_ts": None,
            "dispatched_ts": None, "handled_ts": None, "checked_ts": None, "closed_ts": None,
            "voided_ts": None, "updated_ts": created, "clock_stage": None, "warn_ts": None,
            "due_ts": None, "paused_left_s": None, "handle_due_ts": None,
            "handled_on_time": None, "ever_overdue": False, "rework_count": 0,
            "checker": None, "check_passed": None, "check_presence": None}
        if rng.random() < 0.03:
            t += rng.uniform(300, 1800)
            lines.append(("void", "reported", "void", t, None))
            row.update(state="void", voided_ts=t)
        else:
            t += rng.uniform(300, 1500)
            lines.append(("accept", "reported", "accepted", t, None))
            t += rng.uniform(120, 900)
            lines.append(("open", "accepted", "opened", t, None))
            row["opened_ts"] = t
            t += rng.uniform(300, 1800)
            lines.append(("dispatch", "opened", "dispatched", t, {"department": dep}))
            limit = rng.choice([4 * H, 24 * H, 72 * H])
            due = t + limit
            row.update(dispatched_ts=t, department=dep, handle_due_ts=due)
            if t_end - t < 3 * 86400:  # the last days: still with the department
                row.update(state="dispatched", clock_stage="handle", due_ts=due,
                           warn_ts=t + 0.8 * limit)
            else:
                reworks = 1 if rng.random() < fail else 0
                for k in range(reworks + 1):
                    t += rng.uniform(low, high) * limit
                    on_time = t <= due
                    lines.append(("handle", "dispatched", "handled", t, {"on_time": on_time}))
                    t += rng.uniform(1800, 3 * H)
                    who = f"{grid}-{rng.choice('ab')}"
                    present = rng.random() < 0.9
                    lines.append(("check", "handled", "checked", t, {
                        "presence": "present" if present else "desk",
                        "passed": k == reworks}))
                    if k < reworks:
                        t += rng.uniform(300, 1800)
                        lines.append(("rework", "checked", "dispatched", t, None))
                        due = t + limit
                t += rng.uniform(300, 1800)
                lines.append(("close", "checked", "closed", t, None))
                row.update(state="closed", handled_ts=t, handled_on_time=on_time,
                           checked_ts=t, closed_ts=t, rework_count=reworks, checker=who,
                           check_passed=True, handle_due_ts=due,
                           check_presence="present" if present else "desk")
        row.update(version=len(lines), updated_ts=t)
        case_rows.append(row)
        for seq, (action, a, b, ts, details) in enumerate(lines, 1):
            actor = {"check": f"inspector:{grid}-a", "handle": f"department:{dep}",
                     "report": f"inspector:{reporter}"}.get(action, "operator")
            log_rows.append({"case_id": cid, "seq": seq, "ts": ts, "actor": actor,
                             "action": action, "from_state": a or None, "to_state": b,
                             "note": "", "reason": None,
                             "details": orjson.dumps(details).decode() if details else None})
        if source != "inspector" and rng.random() < 0.5:
            missed_rows.append({"case_id": cid, "inspector": rng.choice(inspectors),
                                "passed_ts": created - 1800, "ts": created, "grid": grid})
    return case_rows, log_rows, missed_rows


async def fill(db: Database, rows: tuple[list[dict[str, Any]], ...]) -> float:
    t = time.perf_counter()
    for table, data in zip((cases, flow_log, missed), rows, strict=True):
        for i in range(0, len(data), 5000):
            chunk = data[i:i + 5000]

            def put(conn: Connection, t: Table = table, c: list[dict[str, Any]] = chunk) -> None:
                conn.execute(insert(t), c)
            await db.write(put)
    await db.write(lambda conn: conn.exec_driver_sql("ANALYZE"))
    return time.perf_counter() - t


async def measure(url: str, rows: tuple[list[dict[str, Any]], ...], repeat: int,
                  label: str) -> float:
    db = Database(url)
    await db.migrate()
    seconds = await fill(db, rows)
    n_cases = await db.read(lambda c: c.execute(select(func.count()).select_from(cases)
                                                ).scalar_one())
    n_log = await db.read(lambda c: c.execute(select(func.count()).select_from(flow_log)
                                              ).scalar_one())
    print(f"\n{label}: {n_cases:,} cases, {n_log:,} flow-log lines (written in {seconds:.1f} s)",
          flush=True)
    ev = Evaluation(db, load_catalog(), CasesSection(), "Asia/Shanghai")
    now = datetime(YEAR + 1, 1, 2, tzinfo=ZONE).timestamp()
    day = f"{YEAR}-06-15"
    worst = 0.0
    print(f"{'dimension':<11} {'period':<6} {'rows':>5} {'median ms':>10} {'max ms':>8}")
    for dim in DIMENSIONS:
        for period in PERIODS:
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                table = await ev.table(dim, period, day, now)
                times.append((time.perf_counter() - t) * 1000)
            worst = max(worst, statistics.median(times))
            print(f"{dim:<11} {period:<6} {len(table['rows']):>5} "
                  f"{statistics.median(times):>10.1f} {max(times):>8.1f}", flush=True)
    t = time.perf_counter()
    html = await ev.bulletin(f"{YEAR}-06", now)
    print(f"bulletin (3 month tables): {(time.perf_counter() - t) * 1000:.1f} ms, "
          f"{len(html):,} bytes")
    print(f"{label}: slowest table (median of {repeat}) {worst:.1f} ms "
          f"({'under' if worst < 500 else 'OVER'} the 500 ms target)", flush=True)
    await db.close()
    return worst


async def run(args: argparse.Namespace) -> int:
    t = time.perf_counter()
    rows = year_rows(args.cases, args.seed)
    print(f"cpu cores: {os.cpu_count()}; a year generated in {time.perf_counter() - t:.1f} s: "
          f"{len(rows[0]):,} cases, {len(rows[1]):,} flow-log lines, {len(rows[2]):,} 漏报",
          flush=True)
    worst = []
    with tempfile.TemporaryDirectory() as tmp:
        worst.append(await measure(database_url(None, tmp), rows, args.repeat,
                                   "SQLite (WAL, the default)"))
    if args.database:
        worst.append(await measure(database_url(args.database, "."), rows, args.repeat,
                                   f"database {redact_url(args.database)}"))
    if args.postgres:
        from tests.pgproc import PostgresProcess
        with PostgresProcess() as pg:
            worst.append(await measure(database_url(pg.new_database(), "."), rows, args.repeat,
                                       "PostgreSQL (own cluster)"))
    return 0 if max(worst) < 500 else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=40_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--database", help="also a database of yours (an EMPTY one: it is filled)")
    p.add_argument("--postgres", action="store_true",
                   help="also PostgreSQL, on a cluster of its own")
    return asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
