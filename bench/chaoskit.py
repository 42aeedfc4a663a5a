"""Helpers for bench/chaos_cases/: real servers (one process, or the Redis layout of
tests/redis/cluster.py), a sender that retries what was not acknowledged, a /healthz watcher,
and reading back what was kept through the API.

A case's result (bench/chaos.py prints them):
    case, sent, acknowledged, kept, lost_acknowledged (acknowledged, not kept, not in a
    dead-letter journal), silent_drops (acknowledged, neither kept nor said anywhere: lost
    without a trace), health (what /healthz said during and after), notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from geofence.city import load_city
from model.position import Position
from server import DEMO_CITY
from simulator.loadtest import walkers
from tests.serverkit import DEVICE, SUPERVISOR

ROOT = Path(__file__).resolve().parents[1]
Key = tuple[str, float]  # (device, ts): a position, as the API reads it back


def key(pos: Position) -> Key:
    return (pos.device, round(pos.ts, 3))


def yesterday(hour: int) -> tuple[str, float]:
    """A local date and time in the demo city (the data clock runs there)."""
    zone = ZoneInfo(load_city(DEMO_CITY).settings.timezone)
    day = (datetime.now(zone) - timedelta(days=1)).date()
    return day.isoformat(), datetime(day.year, day.month, day.day, hour, tzinfo=zone).timestamp()


def walk(devices: int, seconds: int, t0: float, seed: int = 1) -> list[list[Position]]:
    """Messages of one second of every device (auto-registered walkers), in time order."""
    ids, lon, lat = walkers(load_city(DEMO_CITY), devices, seconds, t0, seed=seed)
    return [[Position(ids[d], t0 + t, float(lat[t, d]), float(lon[t, d]), speed=1.3)
             for d in range(devices)] for t in range(seconds)]


def result(case: str, sent: int, acknowledged: set[Key], kept: set[Key], dead: set[Key],
           health: str, notes: str) -> dict[str, object]:
    """Positions: lost = acknowledged, not kept, not dead-lettered; nothing reports a loss
    of positions, so every lost one is a silent drop too."""
    lost = acknowledged - kept - dead
    notes = "; ".join(n for n in (
        f"{len(dead & acknowledged)} dead-lettered" if dead else "", notes) if n)
    return {"case": case, "sent": sent, "acknowledged": len(acknowledged),
            "kept": len(acknowledged & kept), "lost_acknowledged": len(lost),
            "silent_drops": len(lost), "health": health, "notes": notes}


@dataclass
class Sender:
    """Posts messages to gateways in turn; a message not answered 200 is sent again (to the
    next gateway) until it is, as a device would. Keeps what was acknowledged."""

    urls: list[str]
    acknowledged: set[Key] = field(default_factory=set)
    sent: int = 0
    retries: int = 0
    _turn: int = 0

    async def send(self, http: aiohttp.ClientSession, message: list[Position],
                   give_up_s: float = 60.0) -> None:
        body = [p.to_json() for p in message]
        self.sent += len(message)
        deadline = time.monotonic() + give_up_s
        while time.monotonic() < deadline:
            url = self.urls[self._turn % len(self.urls)]
            self._turn += 1
            try:
                async with http.post(f"{url}/api/v1/positions", json=body,
                                     headers={"Authorization": f"Bearer {DEVICE}"},
                                     timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    if resp.status == 200:
                        answer = await resp.json()
                        refused = {r["index"] for r in answer["rejected"]}
                        self.acknowledged |= {key(p) for i, p in enumerate(message)
                                              if i not in refused}
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            self.retries += 1
            await asyncio.sleep(0.2)


@dataclass
class HealthWatch:
    """Polls /healthz: what it said, in order (status changes with the first reason)."""

    urls: list[str]
    seen: list[str] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def _poll(self, http: aiohttp.ClientSession) -> str:
        for url in self.urls:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=2),
                                    headers={"Authorization": f"Bearer {SUPERVISOR}"}) as r:
                    body = await r.json()
                    if body["status"] == "ok":
                        return "ok"
                    return f"degraded ({body['reasons'][0][:90]})"
        return "unreachable"

    def _note(self, said: str) -> None:
        """A change of status, with the first reason of a degraded stretch."""
        if not self.seen or self.seen[-1].split()[0] != said.split()[0]:
            self.seen.append(said)

    async def _run(self, http: aiohttp.ClientSession) -> None:
        while True:
            self._note(await self._poll(http))
            await asyncio.sleep(0.2)

    def start(self, http: aiohttp.ClientSession) -> None:
        self._task = asyncio.create_task(self._run(http))

    async def until_ok(self, http: aiohttp.ClientSession, limit_s: float = 60.0) -> str:
        """Stop watching once it says ok (or after limit_s); what it said last."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if await self._poll(http) == "ok":
                break
            await asyncio.sleep(0.2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        last = await self._poll(http)
        self._note(last)
        return last

    def summary(self) -> str:
        return " -> ".join(self.seen)

    def truthful(self, fault: bool) -> str:
        """'' if health said degraded during a fault and ok after; else what was wrong."""
        problems = []
        if fault and not any(s != "ok" for s in self.seen[:-1]):
            problems.append("never degraded during the fault")
        if not self.seen or self.seen[-1] != "ok":
            problems.append("not ok after")
        return "; ".join(problems)


async def read_kept(http: aiohttp.ClientSession, url: str, devices: Iterable[str], date: str
                    ) -> set[Key]:
    """Every position of these devices the API shows in their tracks of `date`."""
    kept: set[Key] = set()
    for device in devices:
        async with http.get(f"{url}/api/v1/tracks/{device}", params={"date": date},
                            headers={"Authorization": f"Bearer {SUPERVISOR}"}) as resp:
            if resp.status == 200:
                times = (await resp.json())["properties"]["times"]
                kept |= {(device, round(t, 3)) for t in times}
    return kept


async def metric(http: aiohttp.ClientSession, url: str, name: str) -> dict[str, float]:
    """Samples of a metric on /metrics: labels text -> value."""
    async with http.get(f"{url}/metrics",
                        headers={"Authorization": f"Bearer {SUPERVISOR}"}) as resp:
        text = await resp.text()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name):
            labels, _, value = line.rpartition(" ")
            out[labels[len(name):]] = float(value)
    return out


@dataclass
class OneProcess:
    """`server.py` in its own process, memory backend, data clock."""

    folder: Path
    config: str = ""
    env: dict[str, str] = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None
    url: str = ""

    async def start(self) -> None:
        from tests.redisproc import free_port
        port = free_port()
        path = self.folder / "server.toml"
        path.write_text(f'[server]\nport = {port}\nclock = "data"\ndata_dir = '
                        f'"{self.folder / "data"}"\nhealth_hold_s = 3.0\n[devices]\n'
                        f'auto_register = true\n[osmand]\nport = 0\n[jt808]\nport = 0\n'
                        f'{self.config}', encoding="utf-8")
        env = {**os.environ, **self.env,
               "GRIDWATCH_TOKENS": f"{DEVICE}:device,{SUPERVISOR}:supervisor"}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "server.py"), "--config", str(path), cwd=ROOT,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert self.proc.stdout is not None
        async with asyncio.timeout(90):
            while b"http://" not in await self.proc.stdout.readline():
                pass
        self._drain = asyncio.create_task(self._read_out())
        self.url = f"http://127.0.0.1:{port}"

    async def _read_out(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with (self.folder / "server.log").open("ab") as log:
            while line := await self.proc.stdout.readline():
                log.write(line)

    def children(self) -> list[int]:
        """Process ids of its child processes (video workers)."""
        assert self.proc is not None
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rpartition(")")[2].split()[1]) == self.proc.pid:
                        out.append(int(entry.name))
        return out

    async def stop(self, sig: int = 15) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        async with asyncio.timeout(60):
            code = await self.proc.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self._drain
        return code


@contextlib.asynccontextmanager
async def scratch() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gridwatch-chaos-") as folder:
        yield Path(folder)
