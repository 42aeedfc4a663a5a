"""Drive a running server with a simulated patrol day over real WebSockets, one per handset.

Simulated time runs `speed` times faster than the wall clock (288: a day in five minutes); run
the server with `--clock data` so that time-based alerts follow the replayed day.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from tqdm import tqdm

from model.position import Position
from simulator.wire import connect, position_json

STEP_S = 0.1  # wall seconds between a handset's messages: what a buffering phone app does


@dataclass
class ReplayStats:
    sent: int = 0
    accepted: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0


def by_device(positions: Sequence[Position]) -> dict[str, list[Position]]:
    out: dict[str, list[Position]] = defaultdict(list)
    for pos in positions:
        out[pos.device].append(pos)
    return out


async def _handset(base: str, token: str, fixes: list[Position], t0: float, wall0: float,
                   speed: float, stats: ReplayStats, bar: tqdm[None] | None) -> None:
    async with await connect(base, "/ws/device", token) as ws:
        i = 0
        while i < len(fixes):
            due = t0 + (time.perf_counter() - wall0) * speed if speed > 0 else float("inf")
            j = i
            while j < len(fixes) and fixes[j].ts <= due:
                j += 1
            if j == i:
                wait = (fixes[i].ts - t0) / speed - (time.perf_counter() - wall0)
                await asyncio.sleep(max(0.0, min(wait, STEP_S)))
                continue
            chunk = fixes[i:j] if speed > 0 else fixes[i:i + 500]
            j = i + len(chunk)
            await ws.send(orjson.dumps([position_json(p.device, p.ts, p.lat, p.lon, p.acc,
                                                      p.speed, p.heading) for p in chunk]))
            answer = orjson.loads(await ws.recv())
            stats.sent += len(chunk)
            stats.accepted += int(answer.get("accepted", 0))
            stats.rejected.extend(answer.get("rejected", []))
            if bar is not None:
                bar.update(len(chunk))
            i = j
            if speed > 0:
                await asyncio.sleep(STEP_S)


async def replay(base: str, token: str, positions: Sequence[Position], speed: float,
                 progress: bool = True) -> ReplayStats:
    """Send every position at its (accelerated) time; speed 0 sends as fast as accepted."""
    stats = ReplayStats()
    devices = by_device(sorted(positions, key=lambda p: p.ts))
    t0 = min(p.ts for p in positions)
    wall0 = time.perf_counter()
    with tqdm(total=len(positions), unit="pos", disable=not progress,
              desc=f"replay x{speed:g}" if speed else "replay") as bar:
        await asyncio.gather(*(_handset(base, token, fixes, t0, wall0, speed, stats, bar)
                               for fixes in devices.values()))
    stats.seconds = time.perf_counter() - wall0
    return stats
