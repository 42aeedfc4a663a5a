"""Talking to a running server over real sockets: URLs, auth headers, the live-event listener."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
import websockets
from websockets.asyncio.client import ClientConnection


def ws_url(base: str, path: str) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def position_json(device: str, ts: float, lat: float, lon: float, acc: float | None = None,
                  speed: float | None = None, heading: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"device": device, "ts": round(ts, 3), "lat": round(lat, 7),
                           "lon": round(lon, 7)}
    if acc is not None:
        out["acc"] = round(acc, 1)
    if speed is not None:
        out["speed"] = round(speed, 2)
    if heading is not None:
        out["heading"] = round(heading, 1)
    return out


async def connect(base: str, path: str, token: str, **kwargs: Any) -> ClientConnection:
    return await websockets.connect(ws_url(base, path), additional_headers=auth_headers(token),
                                    max_size=2**26, open_timeout=30, **kwargs)


class LiveListener:
    """Subscribes to /ws/live in batch mode and calls `on_event(event, arrival)` for each event."""

    def __init__(self, base: str, token: str, on_event: Callable[[dict[str, Any], float], None],
                 types: list[str] | None = None) -> None:
        self.base, self.token, self.on_event, self.types = base, token, on_event, types
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), 30)

    async def _run(self) -> None:
        async with await connect(self.base, "/ws/live", self.token) as ws:
            subscribe = {"subscribe": {"types": self.types, "batch": True}}
            await ws.send(orjson.dumps(subscribe).decode())
            async for raw in ws:
                arrival = time.perf_counter()
                data = orjson.loads(raw)
                if isinstance(data, dict):
                    if data.get("type") == "subscribed":
                        self._ready.set()
                    continue
                for event in data:
                    self.on_event(event, arrival)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
