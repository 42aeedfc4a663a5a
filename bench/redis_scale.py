"""Tracking throughput through Redis with 1 and 2 tracker processes, and what Redis costs one
process: python bench/redis_scale.py [--devices 1000] [--seconds 300]

Starts its own redis-server (no persistence: the figure is tracking, not the disk) and real
`server.py --role tracker` processes. For each run: wait until the trackers have shared the
partitions, then write the positions (pre-encoded, as gateways would, messages of 100 split by
partition) into the streams as fast as Redis takes them, and time until every entry has been
tracked, committed and acknowledged. The same positions through the one-process Tracker
(in this process, no Redis) give the memory backend's figure; the difference is Redis's cost.
CPU time per position (the tracker processes', from /proc; this process's for the memory
backend) is printed too: on a shared machine it moves much less than throughput does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bus.wire import encode_positions  # noqa: E402
from config.server import Config  # noqa: E402
from geofence.city import load_city  # noqa: E402
from geofence.index import CityIndex  # noqa: E402
from model.clock import DataClock  # noqa: E402
from model.position import Position  # noqa: E402
from server import DEMO_CITY  # noqa: E402
from simulator.loadtest import walkers  # noqa: E402
from store.redis_keys import GROUP, Keys, partition_of  # noqa: E402
from tests.redisproc import RedisProcess  # noqa: E402
from tracking.devices import DeviceRegistry  # noqa: E402
from tracking.engine import Tracker  # noqa: E402

T0 = 1795140000.0  # 2026-11-20 10:00 Asia/Shanghai, inside the patrol window
PARTITIONS = 8
CONFIG = """
[server]
clock = "data"
data_dir = "{data}"
[devices]
auto_register = true
[osmand]
port = 0
[jt808]
port = 0
[redis]
partitions = {partitions}
"""


def positions(devices: int, seconds: int) -> list[list[Position]]:
    """Messages of 100 positions, as the load test sends them: one second of 100 walkers."""
    city = load_city(DEMO_CITY)
    ids, lon, lat = walkers(city, devices, seconds, T0)
    out = []
    for t in range(seconds):
        for start in range(0, devices, 100):
            out.append([Position(ids[d], T0 + t, float(lat[t, d]), float(lon[t, d]))
                        for d in range(start, min(devices, start + 100))])
    return out


def entries(messages: list[list[Position]], keys: Keys) -> list[tuple[str, bytes]]:
    out = []
    for msg in messages:
        groups: dict[int, list[Position]] = {}
        for pos in msg:
            groups.setdefault(partition_of(pos.device, keys.partitions), []).append(pos)
        out += [(keys.inbox(p), encode_positions(g)) for p, g in groups.items()]
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


MEMORY_CPU: list[float] = []  # µs a position, the memory backend's runs


def memory_rate(messages: list[list[Position]]) -> float:
    """The memory backend's tracker on the same positions: chunks of 1,000, a tick a second."""
    cfg = Config()
    index = CityIndex(load_city(DEMO_CITY), cfg.patrol.match_tolerance)
    registry = DeviceRegistry(index.grids, auto_register=True)
    clock = DataClock()
    tracker = Tracker(index, cfg.patrol, cfg.alerts, registry, clock)
    flat = [p for m in messages for p in m]
    started, cpu = time.perf_counter(), time.process_time()
    next_tick = flat[0].ts
    for i in range(0, len(flat), 1000):
        tracker.ingest(flat[i:i + 1000])
        if clock.now() >= next_tick:
            tracker.tick(clock.now())
            next_tick = clock.now() + 1.0
    MEMORY_CPU.append((time.process_time() - cpu) / len(flat) * 1e6)
    return len(flat) / (time.perf_counter() - started)


def wait(what: str, check: Any, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.01)


def redis_rate(tmp: Path, rp: RedisProcess, workers: int, data: list[tuple[str, bytes]],
               newest: float, count: int) -> tuple[float, float]:
    """Positions a second, and the trackers' CPU µs a position."""
    client = redis.Redis(port=rp.port)
    client.flushall()
    keys = Keys(PARTITIONS)
    config = tmp / "bench.toml"
    config.write_text(CONFIG.format(data=tmp / "data", partitions=PARTITIONS))
    procs = [subprocess.Popen(
        [sys.executable, str(ROOT / "server.py"), "--redis", rp.url, "--role", "tracker",
         "--config", str(config), "--log-level", "WARNING"], cwd=ROOT,
        stdout=subprocess.DEVNULL)
        for _ in range(workers)]
    try:
        def shared() -> bool:
            owners = [client.get(keys.lease(p)) for p in range(PARTITIONS)]
            counts = [owners.count(o) for o in set(owners)]
            return None not in owners and len(counts) == workers and \
                max(counts) - min(counts) <= 1
        wait("trackers sharing the partitions", shared)
        cpu = sum(cpu_seconds(proc.pid) for proc in procs)
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for i, (stream, blob) in enumerate(data):
            pipe.xadd(stream, {"b": blob})
            if i % 500 == 499:
                pipe.execute()
        pipe.set(keys.clock, repr(newest))
        pipe.execute()
        written = time.perf_counter() - started

        def done() -> bool:
            for p in range(PARTITIONS):
                info = {g["name"]: g for g in client.xinfo_groups(keys.inbox(p))}
                group = info.get(GROUP.encode())
                if group is None or group["lag"] != 0 or group["pending"] != 0:
                    return False
            return True
        wait("every entry acknowledged", done)
        elapsed = time.perf_counter() - started
        used = (sum(cpu_seconds(proc.pid) for proc in procs) - cpu) / count * 1e6
        print(f"  {workers} tracker(s): {count:,} positions in {elapsed:.2f} s "
              f"(written in {written:.2f} s): {count / elapsed:,.0f} positions/s; "
              f"{used:.2f} us of tracker CPU a position", flush=True)
        return count / elapsed, used
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=1200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    messages = positions(args.devices, args.seconds)
    count = sum(len(m) for m in messages)
    data = entries(messages, Keys(PARTITIONS))
    print(f"{count:,} positions of {args.devices:,} walking inspectors, {len(data):,} stream "
          f"entries over {PARTITIONS} partitions", flush=True)
    mem = [memory_rate(messages) for _ in range(args.runs)]
    print(f"memory backend, one process (Tracker in-process): "
          f"{statistics.median(mem):,.0f} positions/s (runs: "
          f"{', '.join(f'{r:,.0f}' for r in mem)})", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    try:
        with RedisProcess(tmp / "redis", aof=False) as rp:
            rates: dict[int, list[float]] = {1: [], 2: []}
            cpus: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(args.runs):
                for workers in (1, 2):
                    rate, used = redis_rate(tmp, rp, workers, data, T0 + args.seconds, count)
                    rates[workers].append(rate)
                    cpus[workers].append(used)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    m = statistics.median(mem)
    print(f"through Redis, 1 tracker process: {one:,.0f} positions/s = {one / m:.2f}x the "
          f"memory backend's tracker")
    print(f"through Redis, 2 tracker processes: {two:,.0f} positions/s = {two / one:.2f}x one")
    mem_cpu, one_cpu = statistics.median(MEMORY_CPU), statistics.median(cpus[1])
    print(f"CPU a position: memory backend {mem_cpu:.2f} us, a tracker through Redis "
          f"{one_cpu:.2f} us: {mem_cpu / one_cpu:.2f}x the memory backend's rate per CPU second")


if __name__ == "__main__":
    main()
