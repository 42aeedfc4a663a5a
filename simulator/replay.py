"""Drive a running server with a simulated patrol day over real WebSockets, one per handset.

Simulated time runs `speed` times faster than the wall clock (144: eleven hours in under five
minutes); run the server with `--clock data` so that time-based alerts follow the replayed day.
Handsets send in lockstep slices of simulated time, so that no phone runs ahead of the others:
with a data clock, a phone left behind would look silent to the server.

Like a real handset, each one sends a message again until the server says it took it: after an
error answer (e.g. 503-like "not taken ... retry" while Redis is down) or a dropped connection
(a gateway restarting), it waits, reconnects and resends. A message that was taken but whose
answer was lost is sent twice; the server drops the retransmitted fixes. With several base URLs
(gateways) the handsets are spread over them.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from tqdm import tqdm
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from model.position import Position
from simulator.wire import connect, position_json

STEP_S = 0.1  # wall seconds between a handset's messages at a set speed
FLAT_OUT_SLICE_S = 30.0  # simulated seconds per slice when sending as fast as accepted
RETRY_S = (0.2, 2.0)  # pause before resending: first, then at most
GIVE_UP_S = 120.0  # a handset that could not deliver for this long stops the replay


@dataclass
class ReplayStats:
    sent: int = 0
    accepted: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0
    retries: int = 0  # messages sent again after an error answer or a dropped connection


def by_device(positions: Sequence[Position]) -> dict[str, list[Position]]:
    out: dict[str, list[Position]] = defaultdict(list)
    for pos in sorted(positions, key=lambda p: p.ts):
        out[pos.device].append(pos)
    return out


class Handset:
    """One device's WebSocket to its gateway, reopened when it drops."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.ws: ClientConnection | None = None

    async def send(self, chunk: list[Position], stats: ReplayStats) -> None:
        message = orjson.dumps([position_json(p.device, p.ts, p.lat, p.lon, p.acc, p.speed,
                                              p.heading) for p in chunk])
        pause, deadline = RETRY_S[0], time.monotonic() + GIVE_UP_S
        while True:
            try:
                if self.ws is None:
                    self.ws = await connect(self.base, "/ws/device", self.token)
                await self.ws.send(message)
                answer = orjson.loads(await self.ws.recv())
                if "error" not in answer:
                    break
                reason = answer["error"]
            except (OSError, WebSocketException, TimeoutError) as exc:
                reason = repr(exc)
                await self.close()
            stats.retries += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"{chunk[0].device}: not delivered for {GIVE_UP_S:.0f} s: "
                                   f"{reason}")
            await asyncio.sleep(pause)
            pause = min(RETRY_S[1], pause * 2)
        stats.sent += len(chunk)
        stats.accepted += int(answer.get("accepted", 0))
        stats.rejected.extend(answer.get("rejected", []))

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(OSError, WebSocketException):
                await self.ws.close()
            self.ws = None


async def replay(base: str | Sequence[str], token: str, positions: Sequence[Position],
                 speed: float, progress: bool = True) -> ReplayStats:
    """Send every position at its (accelerated) time; speed 0 sends as fast as accepted.
    `base`: the server, or several gateways that share the devices round robin."""
    bases = [base] if isinstance(base, str) else list(base)
    stats = ReplayStats()
    devices = by_device(positions)
    times = {d: [p.ts for p in fixes] for d, fixes in devices.items()}
    t0 = min(p.ts for p in positions)
    t_end = max(p.ts for p in positions)
    # Slices stay short in simulated time even at high speed: a handset whose slice is tracked
    # after the others' must not look silent for signal_lost (5 min) under a data clock.
    slice_s = min(speed * STEP_S, FLAT_OUT_SLICE_S) if speed > 0 else FLAT_OUT_SLICE_S
    sockets = [Handset(bases[i % len(bases)], token) for i in range(len(devices))]
    wall0 = time.perf_counter()
    try:
        with tqdm(total=len(positions), unit="pos", disable=not progress,
                  desc=f"replay x{speed:g}" if speed else "replay") as bar:
            cursor = dict.fromkeys(devices, 0)
            edge = t0
            while edge <= t_end:
                edge += slice_s
                if speed > 0:
                    await asyncio.sleep(max(0.0, (edge - t0) / speed
                                            - (time.perf_counter() - wall0)))
                sends = []
                for (device, fixes), ws in zip(devices.items(), sockets, strict=True):
                    stop = bisect.bisect_left(times[device], edge, lo=cursor[device])
                    if stop > cursor[device]:
                        sends.append(ws.send(fixes[cursor[device]:stop], stats))
                        cursor[device] = stop
                before = stats.sent
                await asyncio.gather(*sends)
                bar.update(stats.sent - before)
    finally:
        await asyncio.gather(*(h.close() for h in sockets))
    stats.seconds = time.perf_counter() - wall0
    return stats
