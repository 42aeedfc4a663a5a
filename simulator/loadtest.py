"""Load tests over real sockets: throughput with end-to-end latency, and many held sockets.

Throughput: connections push pre-encoded messages as fast as the server answers (or at a set
rate); a /ws/live listener sees each position's event, which gives position-sent -> event-seen
latency. The server must accept the load-test devices: run it with a config that has
`[devices] auto_register = true` (bench/server_load.py does).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely

from geofence.model import City
from simulator.livewatch import LiveWatcher, now
from simulator.wire import connect


@dataclass
class LoadResult:
    positions: int
    messages: int
    seconds: float
    latencies_ms: list[float]
    rejected: int

    @property
    def rate(self) -> float:
        return self.positions / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    def summary(self) -> dict[str, Any]:
        return {"positions": self.positions, "messages": self.messages,
                "seconds": round(self.seconds, 2), "positions_per_s": round(self.rate),
                "latency_ms_p50": round(self.percentile(50), 1),
                "latency_ms_p95": round(self.percentile(95), 1),
                "latency_ms_p99": round(self.percentile(99), 1), "rejected": self.rejected,
                "latency_samples": len(self.latencies_ms)}


def walkers(city: City, devices: int, seconds: int, t0: float, seed: int = 1,
            noise_m: float = 8.0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each device walks one road back and forth at ~1.3 m/s: lon, lat arrays (seconds, devices)."""
    rng = np.random.default_rng(seed)
    roads = rng.integers(0, len(city.roads), devices)
    geoms = np.array([city.roads[r].geometry for r in roads], dtype=object)
    lengths = np.array([city.roads[r].length_m for r in roads])
    speed = rng.uniform(1.0, 1.5, devices)
    start = rng.uniform(0, 1, devices) * lengths
    lon = np.empty((seconds, devices))
    lat = np.empty((seconds, devices))
    m_per_deg = 111_320.0
    for t in range(seconds):
        walked = (start + speed * t) % (2 * lengths)
        frac = np.where(walked > lengths, 2 * lengths - walked, walked) / lengths
        pts = shapely.line_interpolate_point(geoms, frac, normalized=True)
        xy = shapely.get_coordinates(pts)
        lon[t] = xy[:, 0] + rng.normal(0, noise_m, devices) / (m_per_deg * np.cos(
            np.radians(xy[:, 1])))
        lat[t] = xy[:, 1] + rng.normal(0, noise_m, devices) / m_per_deg
    ids = [f"load-{i:05d}" for i in range(devices)]
    return ids, lon, lat


def encode_messages(ids: list[str], lon: np.ndarray, lat: np.ndarray, t0: float, batch: int,
                    connections: int) -> list[list[tuple[bytes, str, float]]]:
    """Per connection: (message, first device, its ts). A connection owns a slice of devices."""
    seconds, devices = lon.shape
    per_conn: list[list[tuple[bytes, str, float]]] = [[] for _ in range(connections)]
    owners = np.array_split(np.arange(devices), connections)
    lats, lons = np.round(lat, 7).tolist(), np.round(lon, 7).tolist()
    for c, owned in enumerate(owners):
        queue: list[dict[str, Any]] = []
        for t in range(seconds):
            for d in owned.tolist():
                queue.append({"device": ids[d], "ts": t0 + t, "lat": lats[t][d],
                              "lon": lons[t][d]})
                if len(queue) == batch:
                    per_conn[c].append((orjson.dumps(queue), queue[0]["device"], queue[0]["ts"]))
                    queue = []
        if queue:
            per_conn[c].append((orjson.dumps(queue), queue[0]["device"], queue[0]["ts"]))
    return per_conn


async def throughput(base: str, device_token: str, live_token: str,
                     per_conn: list[list[tuple[bytes, str, float]]], rate: float = 0.0,
                     window: int = 8, settle_s: float = 120.0) -> LoadResult:
    """Push every message; rate > 0 paces to that many positions/s in total."""
    sent_at: dict[tuple[str, float], float] = {}
    total = sum(len(orjson.loads(m)) for conn in per_conn for m, _, _ in conn)
    watcher = LiveWatcher(base, live_token, total, settle_s)
    await watcher.start()
    rejected = 0
    per_msg = total / max(1, sum(len(c) for c in per_conn))
    interval = (per_msg * len(per_conn) / rate) if rate > 0 else 0.0

    async def pump(messages: list[tuple[bytes, str, float]]) -> None:
        nonlocal rejected
        async with await connect(base, "/ws/device", device_token) as ws:
            inflight = asyncio.Semaphore(window)

            async def reader() -> None:
                nonlocal rejected
                for _ in messages:
                    answer = orjson.loads(await ws.recv())
                    rejected += len(answer.get("rejected", [])) + (1 if "error" in answer else 0)
                    inflight.release()

            read = asyncio.create_task(reader())
            next_at = now()
            for message, device, ts in messages:
                await inflight.acquire()
                if interval:
                    next_at += interval
                    delay = next_at - now()
                    if delay > 0:
                        await asyncio.sleep(delay)
                sent_at[(device, ts)] = now()
                await ws.send(message.decode())
            await read

    started = now()
    await asyncio.gather(*(pump(m) for m in per_conn))
    arrivals = await watcher.result()
    seconds = max(a for _, _, a in arrivals) - started
    latencies = [(arrival - sent_at[(device, ts)]) * 1000 for device, ts, arrival in arrivals
                 if (device, ts) in sent_at]
    return LoadResult(total, sum(len(c) for c in per_conn), seconds, latencies, rejected)


async def hold_sockets(base: str, device_token: str, count: int, hold_s: float,
                       t0: float, open_rate: float = 2000.0) -> dict[str, Any]:
    """Open `count` device WebSockets, each reporting once on open and once more at the end."""
    conns: list[Any] = []
    failures = 0
    opened_at = time.perf_counter()
    for i in range(count):
        try:
            ws = await connect(base, "/ws/device", device_token, ping_interval=None)
        except (OSError, TimeoutError, Exception):
            failures += 1
            continue
        conns.append((i, ws))
        if open_rate and i % 100 == 99:
            await asyncio.sleep(100 / open_rate)
    open_s = time.perf_counter() - opened_at

    async def report(i: int, ws: Any, ts: float) -> bool:
        await ws.send(orjson.dumps({"device": f"load-{i:05d}", "ts": ts, "lat": 0.0, "lon": 0.0}))
        return bool(orjson.loads(await ws.recv()).get("accepted") == 1)

    first = await asyncio.gather(*(report(i, ws, t0) for i, ws in conns), return_exceptions=True)
    await asyncio.sleep(hold_s)
    second = await asyncio.gather(*(report(i, ws, t0 + 1) for i, ws in conns),
                                  return_exceptions=True)
    ok = sum(1 for a, b in zip(first, second, strict=True) if a is True and b is True)
    await asyncio.gather(*(ws.close() for _, ws in conns), return_exceptions=True)
    return {"requested": count, "opened": len(conns), "failed_to_open": failures,
            "reported_twice": ok, "open_seconds": round(open_s, 1), "held_seconds": hold_s}
