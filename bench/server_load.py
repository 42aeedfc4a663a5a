"""Server throughput and latency over real sockets (issue: the server).

Starts `python server.py` on the demo city in its own process (one core), drives it from this
process with the simulator's load generator, and prints:
  - positions/s with 100 positions per WebSocket message, flat out;
  - positions/s with one position per message, flat out;
  - position-sent -> live-event-seen latency percentiles at half the batched peak rate;
  - how many concurrent device WebSockets were held (default 10,000);
and, for the batched runs, the server process's CPU time per position (/proc/<pid>/stat, user +
system, before and after): a cost figure that a busy neighbour on the machine distorts less.
The server runs with `--clock data` and the load is a patrol morning two days ago (10:00 in the
city's zone), so every run does the same work whatever the hour: matching, pass counting and the
device rules on on-duty inspectors, as a live day would (a wall-clock server fed two-day-old data
would instead raise and clear signal_lost for every device on every tick).
With --redis it starts its own redis-server (AOF, `--fsync always` by default, or everysec) and
runs the one server process over it (`--redis URL`, role all): the difference is what Redis
costs one process.
With --cases-rate N the case actions of bench/cases_load.py run meanwhile (issue 15), the
case loop in its child process (--cases-apart, pinned to the driver's core unless
--child-core same) or in the server's own (--cases-direct); default: [cases] process.
Usage: python bench/server_load.py [--devices 1000] [--seconds 300] [--sockets 10000] [--redis]
       [--cases-rate 200 --cases-only --cases-apart|--cases-direct [--child-core same]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geofence.city import load_city  # noqa: E402
from geofence.model import City  # noqa: E402
from simulator.loadtest import encode_messages, hold_sockets, throughput, walkers  # noqa: E402
from tests.redisproc import RedisProcess  # noqa: E402
from tracking.patrolday import PatrolCalendar  # noqa: E402

DEVICE, SUPERVISOR = "bench-device-token", "bench-supervisor-token"
# --cases-rate: the case-loop tokens of bench/cases_load.py, for its driver
CASE_TOKENS = ", ".join(f'"{t}" = "{r}"' for t, r in {
    "bench-operator-token": "operator", "bench-dispatcher-tok": "dispatcher",
    "bench-department-tok": "department:sanitation", "bench-inspector-tok1": "inspector:p-g1-a",
    "bench-inspector-tok2": "inspector:p-g1-b", "bench-supervisor-tok": "supervisor"}.items())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, port: int, city: Path | None = None, clock: str = "wall",
                 redis_url: str | None = None, cases_process: str | None = None
                 ) -> subprocess.Popen[bytes]:
    """cases_process: [cases] process (child / in); None: the default."""
    config = tmp / "bench.toml"
    cases = f'[cases]\nprocess = "{cases_process}"\n' if cases_process else ""
    config.write_text(f"""
[server]
port = {port}
clock = "{clock}"
data_dir = "{tmp / 'data'}"
[auth]
tokens = {{ "{DEVICE}" = "device", "{SUPERVISOR}" = "supervisor", {CASE_TOKENS} }}
[devices]
auto_register = true
[gateway]
rate_messages_per_s = 10000000
rate_burst = 10000000
[live]
client_queue = 1000000
[osmand]
port = 0
[jt808]
port = 0
[limits]
max_connections_per_address = 0
{cases}""", encoding="utf-8")
    extra = ["--city", str(city)] if city is not None else []
    if redis_url is not None:
        extra += ["--redis", redis_url]
    return subprocess.Popen([sys.executable, str(ROOT / "server.py"), "--config", str(config),
                             "--log-level", "WARNING", *extra], cwd=ROOT,
                            stdout=subprocess.DEVNULL)


async def wait_ready(base: str) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {SUPERVISOR}"}) as http:
        for _ in range(200):
            try:
                async with http.get(base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


def pin(server_pid: int) -> None:
    """The server gets core 0 to itself; this driver and the live listener it spawns share the
    other (the target is one server process; without pinning, the three processes jostle over
    two cores and the figure swings by 20 %). Redis, when used, is left unpinned."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return
    os.sched_setaffinity(server_pid, {cores[0]})
    os.sched_setaffinity(0, set(cores[1:]))


async def case_child(base: str, token: str = SUPERVISOR) -> int | None:
    """The pid of the server's case-loop child ([cases] process = child), or None."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http, \
            http.get(base + "/healthz") as resp:
        cases = (await resp.json()).get("cases") or {}
    return int(cases["pid"]) if cases.get("process") == "child" else None


def place_child(pid: int, core: str) -> str:
    """The case child on the server's core (`same`) or on the others, with this driver
    (`other`: where a deployment would put it, a core of its own)."""
    cores = sorted(os.sched_getaffinity(pid) | os.sched_getaffinity(0))
    if len(cores) < 2:
        return "one core"
    server_core = {cores[0]}
    os.sched_setaffinity(pid, server_core if core == "same" else set(cores[1:]))
    return "the server's core" if core == "same" else "the driver's core(s)"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_note(pid: int, since: float, positions: int) -> str:
    return f"server CPU {(cpu_seconds(pid) - since) / positions * 1e6:.2f} us/position"


def patrol_morning(city: City) -> float:
    """10:00 in the city's zone, two days ago: inside the patrol window, in the past."""
    calendar = PatrolCalendar(city.settings)
    day = calendar.day_of(time.time() - 2 * 86_400)
    return day.start + 10 * 3600.0


async def run(args: argparse.Namespace) -> None:
    city = load_city(ROOT / "cities" / "demo")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        redis_url = None
        if args.redis:
            redis_url = stack.enter_context(RedisProcess(Path(tmp) / "redis",
                                                         fsync=args.fsync)).url
        port = free_port()
        proc = start_server(Path(tmp), port, clock="data", redis_url=redis_url,
                            cases_process=args.cases_process)
        pin(proc.pid)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            child = await case_child(base)
            args.child_pid = child
            if child is not None:
                print(f"case loop in a child process, on {place_child(child, args.child_core)}",
                      flush=True)
            else:
                print("case loop in the server's process", flush=True)
            t0 = patrol_morning(city)
            t2 = t0 + 86_400
            if args.seconds:
                await measure_throughput(args, city, base, t0, proc.pid)
            if args.sockets:
                held = await hold_sockets(base, DEVICE, args.sockets, args.hold, t2 + 3600)
                print(f"device WebSockets held: {held}", flush=True)
        finally:
            proc.terminate()
            proc.wait(30)


async def measure_throughput(args: argparse.Namespace, city: City, base: str,
                             t0: float, pid: int) -> None:
    ids, lon, lat = walkers(city, args.devices, args.seconds, t0)
    batched = encode_messages(ids, lon, lat, t0, 100, args.connections)
    cases = None
    if args.cases_rate:  # case actions at this rate while the positions flow (issue 15)
        from bench.cases_load import Driver, pct
        from geofence.index import CityIndex
        index = CityIndex(city)
        driver = Driver(base, index.road_point(index.road_ids["g1-m01"], 30.0))
        await driver._run(args.cases_rate, 1.0)  # warm-up
        driver.latency.clear()
        driver.done = 0
        cases = asyncio.create_task(driver._run(args.cases_rate, 3600.0))
    cpu = cpu_seconds(pid)
    child = getattr(args, "child_pid", None)
    child_cpu = cpu_seconds(child) if child else 0.0
    peak = await throughput(base, DEVICE, SUPERVISOR, batched)
    print(f"batched (100 per message, {args.connections} sockets): "
          f"{peak.rate:,.0f} positions/s, {cpu_note(pid, cpu, peak.positions)}  "
          f"{peak.summary()}", flush=True)
    if cases is not None:
        cases.cancel()
        every = [x for v in driver.latency.values() for x in v]
        child_note = ""
        if child:
            used = cpu_seconds(child) - child_cpu
            child_note = (f", case child CPU {used:.1f} s "
                          f"({used / max(driver.done, 1) * 1000:.2f} ms an action)")
        print(f"  meanwhile {driver.done} case actions ({args.cases_rate:g}/s offered): "
              f"p50 {pct(every, 50):.1f} ms, p99 {pct(every, 99):.1f} ms, refused "
              f"{dict(driver.refused) or 'none'}{child_note}", flush=True)
        await driver.close()
        if args.cases_only:
            return
    t1 = t0 + args.seconds + 10
    single_ids, slon, slat = walkers(city, args.devices, args.single_seconds, t1, seed=2)
    singles = encode_messages(single_ids, slon, slat, t1, 1, args.connections)
    one = await throughput(base, DEVICE, SUPERVISOR, singles, window=32)
    print(f"single (1 per message, {args.connections} sockets): "
          f"{one.rate:,.0f} positions/s  {one.summary()}", flush=True)
    t2 = t1 + args.single_seconds + 10
    ids, lon, lat = walkers(city, args.devices, args.seconds, t2, seed=3)
    paced = encode_messages(ids, lon, lat, t2, 100, args.connections)
    cpu = cpu_seconds(pid)
    half = await throughput(base, DEVICE, SUPERVISOR, paced, rate=peak.rate / 2)
    print(f"latency at half the batched peak ({peak.rate / 2:,.0f} positions/s): "
          f"p50 {half.percentile(50):.1f} ms, p95 {half.percentile(95):.1f} ms, "
          f"p99 {half.percentile(99):.1f} ms, {cpu_note(pid, cpu, half.positions)}  "
          f"{half.summary()}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--seconds", type=int, default=300,
                   help="simulated seconds per device (0: skip the throughput runs)")
    p.add_argument("--single-seconds", type=int, default=30)
    p.add_argument("--connections", type=int, default=20)
    p.add_argument("--sockets", type=int, default=10_000)
    p.add_argument("--hold", type=float, default=10.0)
    p.add_argument("--redis", action="store_true",
                   help="the same server over its own redis-server (one process, role all)")
    p.add_argument("--fsync", choices=("always", "everysec"), default="always",
                   help="with --redis: the AOF's appendfsync")
    p.add_argument("--cases-rate", type=float, default=0.0,
                   help="case actions a second sent during the batched run (case loop busy)")
    p.add_argument("--cases-only", action="store_true",
                   help="with --cases-rate: stop after the batched run")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--cases-apart", dest="cases_process", action="store_const",
                       const="child", help="[cases] process = child")
    where.add_argument("--cases-direct", dest="cases_process", action="store_const",
                       const="in", help="[cases] process = in (the server's own process)")
    p.add_argument("--child-core", choices=("other", "same"), default="other",
                   help="the case child on the driver's core(s) (other) or the server's")
    args = p.parse_args()
    print(f"cpu cores: {os.cpu_count()}; server in its own process"
          f"{', over Redis' if args.redis else ''}", flush=True)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
