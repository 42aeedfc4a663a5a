"""python -m simulator {day,load,sockets,cases}: drive a running gridwatch server over real
sockets."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import orjson

from geofence.city import load_city
from simulator.cases import run_cases, write_config
from simulator.loadtest import encode_messages, hold_sockets, throughput, walkers
from simulator.replay import replay
from simulator.traces import simulate_day

DEMO_CITY = Path(__file__).resolve().parent.parent / "cities" / "demo"


async def fetch(base: str, token: str, path: str) -> object:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http, \
            http.get(base.rstrip("/") + path) as resp:
        resp.raise_for_status()
        return orjson.loads(await resp.read())


def print_compliance(rows: list[dict[str, object]]) -> None:
    print(f"{'road':<12} {'grid':<5} {'class':<9} {'passes':>6} {'req':>4}  status")
    for row in rows:
        print(f"{row['road']!s:<12} {row['grid']!s:<5} {row['class']!s:<9} "
              f"{row['passes']!s:>6} {row['required']!s:>4}  {row['status']}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
    print("roads by status:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


async def run_day(args: argparse.Namespace) -> int:
    day = simulate_day(args.city, args.date, seed=args.seed, noise_m=args.noise)
    positions = day.positions
    if args.inspectors:
        keep = sorted({p.device for p in positions})[: args.inspectors]
        positions = [p for p in positions if p.device in set(keep)]
    print(f"simulated {args.date}: {len(positions)} positions from "
          f"{len({p.device for p in positions})} handsets", flush=True)
    gateways = args.gateways.split(",") if args.gateways else args.url
    stats = await replay(gateways, args.device_token, positions, args.speed,
                         progress=not args.quiet)
    print(f"sent {stats.sent}, accepted {stats.accepted}, rejected {len(stats.rejected)} "
          f"in {stats.seconds:.1f} s", flush=True)
    if args.supervisor_token:
        await asyncio.sleep(1.0)
        rows = await fetch(args.url, args.supervisor_token,
                           f"/api/v1/roads/compliance?date={args.date}")
        assert isinstance(rows, list)
        print_compliance(rows)
        alerts = await fetch(args.url, args.supervisor_token, "/api/v1/alerts?since=0")
        assert isinstance(alerts, list)
        kinds: dict[str, int] = {}
        for alert in alerts:
            kinds[alert["type"]] = kinds.get(alert["type"], 0) + 1
        print("alerts:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none")
    return 0


async def run_load(args: argparse.Namespace) -> int:
    city = load_city(args.city)
    t0 = time.time() - 86_400
    ids, lon, lat = walkers(city, args.devices, args.seconds, t0)
    per_conn = encode_messages(ids, lon, lat, t0, args.batch, args.connections)
    result = await throughput(args.url, args.device_token, args.supervisor_token, per_conn,
                              rate=args.rate)
    print(orjson.dumps(result.summary()).decode())
    return 0


async def run_sockets(args: argparse.Namespace) -> int:
    result = await hold_sockets(args.url, args.device_token, args.count, args.hold,
                                time.time() - 60)
    print(orjson.dumps(result).decode())
    return 0 if result["reported_twice"] == args.count else 1


def run_month(args: argparse.Namespace) -> int:
    if args.write_config:
        tokens = write_config(args.config, args.city, args.seed)
        print(f"wrote {args.config} with {len(tokens)} tokens; now run:\n"
              f"  python server.py --config {args.config}\n"
              f"  python -m simulator cases --config {args.config}")
        return 0
    result = asyncio.run(run_cases(args.url, args.config, args.city, args.days, args.per_day,
                                   args.seed, args.first))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    p.add_argument("--url", default="http://127.0.0.1:8080",
                   help="the server (with --gateways: the web process read for results)")
    p.add_argument("--gateways", help="comma-separated gateway URLs the handsets are spread "
                   "over (a Redis cluster); default: --url")
    p.add_argument("--device-token", help="token of role device (day, load, sockets)")
    p.add_argument("--supervisor-token", help="token of role supervisor (to read results)")
    p.add_argument("--city", type=Path, default=DEMO_CITY)
    sub = p.add_subparsers(dest="mode", required=True)
    d = sub.add_parser("day", help="replay a simulated patrol day")
    d.add_argument("--date", default=(date.today() - timedelta(days=1)).isoformat(),
                   help="day to simulate (default yesterday: accelerated data must not run "
                        "ahead of the wall clock)")
    d.add_argument("--speed", type=float, default=144.0,
                   help="time acceleration (144: 11 hours in under 5 minutes; 0: flat out)")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--noise", type=float, default=8.0, help="GPS noise sigma in metres")
    d.add_argument("--inspectors", type=int, default=0, help="only the first N handsets")
    d.add_argument("--quiet", action="store_true")
    ld = sub.add_parser("load", help="throughput and latency")
    ld.add_argument("--devices", type=int, default=1000)
    ld.add_argument("--seconds", type=int, default=60, help="simulated seconds per device")
    ld.add_argument("--batch", type=int, default=100, help="positions per message")
    ld.add_argument("--connections", type=int, default=10)
    ld.add_argument("--rate", type=float, default=0.0, help="positions/s (0: as fast as taken)")
    s = sub.add_parser("sockets", help="hold many device WebSockets")
    s.add_argument("--count", type=int, default=10_000)
    s.add_argument("--hold", type=float, default=10.0)
    c = sub.add_parser("cases", help="a month of the case loop (数字城管) over the HTTP API")
    c.add_argument("--config", type=Path, default=Path("var/cases.toml"),
                   help="the server's config: the simulator takes its tokens from it")
    c.add_argument("--write-config", action="store_true",
                   help="write --config (tokens for every role, data clock) and stop")
    c.add_argument("--days", type=int, default=30)
    c.add_argument("--per-day", type=int, default=100, help="cases a day (mean)")
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--first", type=date.fromisoformat, default=None,
                   help="first day (YYYY-MM-DD; default: --days before today). The demo ends "
                        "the month the day before its patrol day: a data clock never goes back")
    args = p.parse_args(argv)
    if args.mode == "load" and not args.supervisor_token:
        p.error("load needs --supervisor-token to watch /ws/live")
    if args.mode == "cases":
        return run_month(args)
    if not args.device_token:
        p.error(f"{args.mode} needs --device-token")
    runner = {"day": run_day, "load": run_load, "sockets": run_sockets}[args.mode]
    return asyncio.run(runner(args))


if __name__ == "__main__":
    sys.exit(main())
