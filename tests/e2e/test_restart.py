"""A real server process: SIGTERM finishes what it accepted, and a restart resumes the day."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.test_queries import yesterday_at
from tests.serverkit import DEVICE, SUPERVISOR

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start(tmp_path: Path, port: int) -> asyncio.subprocess.Process:
    config = tmp_path / "gridwatch.toml"
    config.write_text(f'[server]\nport = {port}\ndata_dir = "{tmp_path / "data"}"\n'
                      '[osmand]\nport = 0\n[jt808]\nport = 0\n', encoding="utf-8")
    env = {**os.environ, "GRIDWATCH_TOKENS": f"{DEVICE}:device,{SUPERVISOR}:supervisor"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "server.py"), "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    async with asyncio.timeout(60):
        while b"http://" not in await proc.stdout.readline():
            pass
    return proc


async def stop(proc: asyncio.subprocess.Process, sig: int) -> bytes:
    proc.send_signal(sig)
    async with asyncio.timeout(60):
        out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode(errors="replace")
    return out


async def compliance(base: str, date: str) -> dict[str, dict[str, Any]]:
    async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {SUPERVISOR}"}) \
            as http, http.get("/api/v1/roads/compliance", params={"date": date}) as resp:
        return {r["road"]: r for r in await resp.json()}


async def test_sigterm_keeps_every_accepted_position_and_a_restart_resumes(
        tmp_path: Path) -> None:
    from geofence.city import load_city
    from geofence.index import CityIndex
    from server import DEMO_CITY

    city = load_city(DEMO_CITY)
    index = CityIndex(city)
    grid = city.grids[0]
    road = next(i for i, r in enumerate(city.roads) if r.grid == grid.id)
    date, t0 = yesterday_at(10, city.settings.timezone)
    length = float(index.road_length[road])
    fixes = []
    for n in range(int(length / 1.3) + 2):
        lon, lat = index.road_point(road, min(length, n * 1.3))
        fixes.append({"device": grid.inspectors[0], "ts": t0 + n, "lat": lat, "lon": lon})

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await start(tmp_path, port)
    try:
        async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {DEVICE}"}) \
                as http, http.post("/api/v1/positions", json=fixes) as resp:
            assert (await resp.json())["accepted"] == len(fixes)
        out = await stop(proc, signal.SIGTERM)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert b"stopping" in out

    proc = await start(tmp_path, port)
    try:
        rows = await compliance(base, date)
        assert rows[city.roads[road].id]["passes"] == 1
        await stop(proc, signal.SIGINT)
    finally:
        if proc.returncode is None:
            proc.kill()
