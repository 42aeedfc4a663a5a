"""A /ws/live listener in a process of its own, so that arrival times are not delayed by the
load generator's own event loop (both processes read the same system-wide monotonic clock)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

import orjson

from simulator.wire import connect


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def _watch(base: str, token: str, expected: int, ready: Any,
                 limit_s: float) -> list[tuple[str, float, float]]:
    arrivals: list[tuple[str, float, float]] = []
    async with await connect(base, "/ws/live", token) as ws:
        subscribe = {"subscribe": {"types": ["position"], "batch": True}}
        await ws.send(orjson.dumps(subscribe).decode())
        async with asyncio.timeout(limit_s):
            async for raw in ws:
                arrival = now()
                data = orjson.loads(raw)
                if isinstance(data, dict):
                    if data.get("type") == "subscribed":
                        ready.set()
                    continue
                arrivals.extend((e["device"], e["ts"], arrival) for e in data
                                if e.get("type") == "position")
                if len(arrivals) >= expected:
                    break
    return arrivals


def _main(base: str, token: str, expected: int, ready: Any, out: Connection,
          limit_s: float) -> None:
    try:
        out.send(asyncio.run(_watch(base, token, expected, ready, limit_s)))
    except TimeoutError:
        out.send(None)


class LiveWatcher:
    def __init__(self, base: str, token: str, expected: int, limit_s: float = 300.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._ready = ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_main, args=(base, token, expected, self._ready, send,
                                                     limit_s), daemon=True)

    async def start(self) -> None:
        self._proc.start()
        if not await asyncio.to_thread(self._ready.wait, 30):
            raise RuntimeError("the live listener did not subscribe in time")

    async def result(self) -> list[tuple[str, float, float]]:
        """(device, ts, arrival) for every position event, once all expected have arrived."""
        got = await asyncio.to_thread(self._recv.recv)
        self._proc.join(10)
        if got is None:
            raise TimeoutError("not every position event arrived on /ws/live")
        arrivals: list[tuple[str, float, float]] = got
        return arrivals
