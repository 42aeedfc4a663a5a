"""Case actions per second on one server process (issue 15: 200 a second sustained, p99 under
50 ms), over HTTP, each action one transaction.

Starts `python server.py` (pinned to one core, like bench/server_load.py) and sends an open
loop of case requests at --rate for --seconds: every case goes report → accept → open →
dispatch → handle (with a photo) → check (with a photo; the presence proof reads the
inspector's track) → close, each request with the version it read, many cases in flight.
Latency is measured from the moment a request was due (not when it could be sent), so a
server that falls behind shows it. Prints p50/p95/p99/max per action and overall, the rate
reached, the server's CPU seconds per action, and every refusal.

With --apart the case loop runs in its child process ([cases] process = child: the server
forwards every request to it), pinned to the other core (--child-core same: to the server's);
the CPU per action is then the server's (forwarding) and the child's; --direct: in the
server's own process. Default: [cases] process's default.

Usage: python bench/cases_load.py [--rate 200] [--seconds 60] [--postgres] [--database URL]
       [--synchronous normal|full] [--apart [--child-core same] | --direct]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server_load import case_child, free_port, pin, place_child  # noqa: E402
from geofence.city import load_city  # noqa: E402
from geofence.index import CityIndex  # noqa: E402

TOKENS = {"bench-supervisor-tok": "supervisor", "bench-operator-token": "operator",
          "bench-dispatcher-tok": "dispatcher", "bench-department-tok": "department:sanitation",
          "bench-inspector-tok1": "inspector:p-g1-a", "bench-inspector-tok2": "inspector:p-g1-b",
          "bench-device-token-1": "device"}
ROLE = {r: t for t, r in TOKENS.items()}
FLOW = ["accept", "open", "dispatch", "handle", "check", "close"]
WHO = {"report": "inspector:p-g1-a", "accept": "operator", "open": "operator",
       "dispatch": "dispatcher", "handle": "department:sanitation",
       "check": "inspector:p-g1-b", "close": "operator"}


def start(tmp: Path, port: int, database: str | None, synchronous: str,
          extra: str = "", pg_sync: bool = True, process: str | None = None) -> Any:
    import subprocess
    tokens = ", ".join(f'"{t}" = "{r}"' for t, r in TOKENS.items())
    db = f'database = "{database}"\n' if database else ""
    (tmp / "bench.toml").write_text(f"""
[server]
port = {port}
data_dir = "{tmp / 'data'}"
[auth]
tokens = {{ {tokens} }}
[cases]
{f'process = "{process}"' if process else ""}
{db}sqlite_synchronous = "{synchronous}"
postgres_synchronous_commit = {"true" if pg_sync else "false"}
[gateway]
rate_messages_per_s = 10000000
rate_burst = 10000000
[osmand]
enabled = false
[jt808]
enabled = false
[limits]
max_connections_per_address = 0
{extra}
""", encoding="utf-8")
    return subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--config",
                             str(tmp / "bench.toml"), "--log-level", "WARNING"], cwd=ROOT,
                            stdout=subprocess.DEVNULL)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def jpeg(seed: int) -> bytes:
    img = Image.new("RGB", (160, 120), (seed * 37 % 256, seed * 11 % 256, 80))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


class Driver:
    def __init__(self, base: str, spot: tuple[float, float]) -> None:
        self.base, self.spot = base, spot
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.refused: dict[str, int] = defaultdict(int)
        self.photos: list[str] = []
        self.idle: list[dict[str, Any]] = []  # cases waiting for their next action
        self.http: aiohttp.ClientSession | None = None
        self.done = 0
        self.tasks: set[asyncio.Task[None]] = set()

    async def post(self, role: str, path: str, body: Any = None,
                   data: bytes | None = None) -> tuple[int, Any]:
        assert self.http is not None
        async with self.http.post(self.base + path, json=body if data is None else None,
                                  data=data, headers={
                                      "Authorization": f"Bearer {ROLE[role]}"}) as resp:
            return resp.status, orjson.loads(await resp.read())

    async def one(self, due: float) -> None:
        """The next request of some case (or a new report), timed from `due`."""
        if self.idle:
            case = self.idle.pop(0)
            action = FLOW[case["version"] - 1]
            body: dict[str, Any] = {"action": action, "version": case["version"]}
            if action in ("handle", "check"):
                body["photos"] = [self.photos[case["id"] % len(self.photos)]]
            if action == "check":
                body["passed"] = True
            status, answer = await self.post(WHO[action], f"/api/v1/cases/{case['id']}/actions",
                                             body)
        else:
            action = "report"
            status, answer = await self.post(WHO[action], "/api/v1/cases", {
                "class": "E0102", "lon": self.spot[0], "lat": self.spot[1],
                "description": "bench", "photos": [self.photos[0]]})
        self.latency[action].append((time.perf_counter() - due) * 1000)
        if status not in (200, 201):
            self.refused[f"{action} {status}"] += 1
            return
        self.done += 1
        if answer["state"] != "closed":
            self.idle.append({"id": answer["id"], "version": answer["version"]})

    async def _run(self, rate: float, seconds: float) -> float:
        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
            for k in range(8):
                status, body = await self.post("inspector:p-g1-a", "/api/v1/cases/photos",
                                               data=jpeg(k))
                assert status == 201, body
                self.photos.append(body["sha256"])
        tasks = self.tasks
        t0 = time.perf_counter()
        n = int(rate * seconds)
        for k in range(n):
            due = t0 + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.one(due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        return time.perf_counter() - t0

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.close()


async def wait_ready(base: str) -> None:
    headers = {"Authorization": f"Bearer {ROLE['supervisor']}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for _ in range(300):
            try:
                async with http.get(base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def main_async(args: argparse.Namespace) -> int:
    from tests.pgproc import PostgresProcess
    city = load_city(ROOT / "cities" / "demo")
    index = CityIndex(city)
    spot = index.road_point(index.road_ids["g1-m01"], 30.0)
    with tempfile.TemporaryDirectory() as tmp:
        pg = PostgresProcess() if args.postgres else None
        database = args.database
        if pg is not None:
            pg.start()
            database = pg.new_database()
        port = free_port()
        proc = start(Path(tmp), port, database, args.synchronous,
                     pg_sync=args.pg_synchronous_commit == "on", process=args.process)
        pin(proc.pid)
        base = f"http://127.0.0.1:{port}"
        child: int | None = None
        try:
            await wait_ready(base)
            child = await case_child(base, ROLE["supervisor"])
            where = place_child(child, args.child_core) if child else ""
            driver = Driver(base, spot)
            await driver._run(args.rate, 3.0)  # warm-up, not counted
            driver.latency.clear()
            driver.refused.clear()
            driver.done = 0
            cpu0 = cpu_seconds(proc.pid)
            child0 = cpu_seconds(child) if child else 0.0
            wall = await driver._run(args.rate, args.seconds)
            cpu = cpu_seconds(proc.pid) - cpu0
            child_cpu = cpu_seconds(child) - child0 if child else 0.0
            await driver.close()
        finally:
            proc.terminate()
            proc.wait(30)
            if pg is not None:
                pg.stop()
    every = [x for v in driver.latency.values() for x in v]
    backend = f"PostgreSQL (own cluster), synchronous_commit {args.pg_synchronous_commit}" \
        if args.postgres else \
        ("database given" if args.database else f"SQLite WAL synchronous={args.synchronous}")
    print(f"cpu cores: {os.cpu_count()}; server pinned to one core; {backend}; case loop "
          + (f"in a child process on {where}" if child else "in the server's process"))
    print(f"{'action':<9} {'n':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for action in ["report", *FLOW]:
        v = driver.latency.get(action, [])
        if v:
            print(f"{action:<9} {len(v):>6} {statistics.median(v):>7.1f} {pct(v, 95):>7.1f} "
                  f"{pct(v, 99):>7.1f} {max(v):>7.1f}")
    p50, p99 = statistics.median(every), pct(every, 99)
    print(f"{'all':<9} {len(every):>6} {p50:>7.1f} {pct(every, 95):>7.1f} {p99:>7.1f} "
          f"{max(every):>7.1f}")
    print(f"offered {args.rate:g}/s for {args.seconds:g} s; done {driver.done} in {wall:.1f} s "
          f"= {driver.done / wall:.0f} actions/s; server CPU {cpu:.1f} s "
          f"({cpu / max(driver.done, 1) * 1000:.2f} ms per action, "
          f"{cpu / wall * 100:.0f} % of its core)")
    if child:
        print(f"case child CPU {child_cpu:.1f} s ({child_cpu / max(driver.done, 1) * 1000:.2f}"
              f" ms per action); both {(cpu + child_cpu) / max(driver.done, 1) * 1000:.2f} ms")
    print(f"refused: {dict(driver.refused) or 'none'}")
    print(f"p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"({'under' if p99 < 50 else 'OVER'} the 50 ms target)")
    return 0 if p99 < 50 and not driver.refused else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=200.0, help="requests a second (open loop)")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--postgres", action="store_true", help="on a PostgreSQL cluster of its own")
    p.add_argument("--database", help="a PostgreSQL URL of yours")
    p.add_argument("--synchronous", choices=("normal", "full"), default="normal",
                   help="SQLite: PRAGMA synchronous under WAL")
    p.add_argument("--pg-synchronous-commit", choices=("on", "off"), default="on",
                   help="PostgreSQL: [cases] postgres_synchronous_commit")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--apart", dest="process", action="store_const", const="child",
                       help="[cases] process = child")
    where.add_argument("--direct", dest="process", action="store_const", const="in",
                       help="[cases] process = in (the server's own process)")
    p.add_argument("--child-core", choices=("other", "same"), default="other",
                   help="with the child: on the driver's core(s) (other) or the server's")
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
