"""kill -9 in the middle of a stream of case actions: after a restart every acknowledged
action is there, once; an action whose answer was lost either landed or not, and sending it
again (same version) lands it or answers 409, never twice. On SQLite (WAL, synchronous
normal: the default) and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.cases.conftest import CASE_TOKENS, DISPATCHER, INSPECTOR, OPERATOR, SANITATION
from tests.cases.kit import IN_CITY, png
from tests.redisproc import free_port

ROOT = Path(__file__).resolve().parents[2]
FLOW = [(OPERATOR, "accept"), (OPERATOR, "open"), (DISPATCHER, "dispatch"),
        (SANITATION, "handle")]


async def start(config: Path) -> asyncio.subprocess.Process:
    """The server with its output in a file: a pipe would stay open after kill -9 in the
    video workers it spawned, and waiting for the process would wait for them."""
    tokens = ",".join(f"{t}:{r}" for t, r in CASE_TOKENS.items())
    out = config.with_suffix(".out")
    with out.open("wb") as sink:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "server.py"), "--config", str(config), cwd=ROOT,
            env={**os.environ, "GRIDWATCH_TOKENS": tokens}, stdout=sink,
            stderr=asyncio.subprocess.STDOUT)
    async with asyncio.timeout(60):
        while b"http://" not in out.read_bytes():
            assert proc.returncode is None, out.read_text(errors="replace")
            await asyncio.sleep(0.05)
    return proc


async def post(http: aiohttp.ClientSession, token: str, path: str, body: Any = None,
               data: bytes | None = None) -> tuple[int, Any]:
    async with http.post(path, json=body if data is None else None, data=data,
                         headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json()


async def test_kill_9_loses_nothing_acknowledged_and_applies_nothing_twice(
        tmp_path: Path, database: str | None) -> None:
    port = free_port()
    config = tmp_path / "kill.toml"
    db_line = f'database = "{database}"\n' if database else ""
    config.write_text(f'[server]\nport = {port}\ndata_dir = "{tmp_path / "data"}"\n'
                      f'[cases]\n{db_line}[osmand]\nenabled = false\n'
                      f'[jt808]\nenabled = false\n', encoding="utf-8")
    base = f"http://127.0.0.1:{port}"
    proc = await start(config)
    acked: dict[int, list[str]] = {}  # case -> actions answered 200, in order
    unsure: dict[int, tuple[int, str, str]] = {}  # case -> (version, token, action) unanswered
    try:
        async with aiohttp.ClientSession(base) as http:
            _, photo = await post(http, INSPECTOR, "/api/v1/cases/photos", data=png(9))
            ids = []
            for _ in range(24):
                status, case = await post(http, INSPECTOR, "/api/v1/cases", {
                    "class": "E0102", "lon": IN_CITY[0], "lat": IN_CITY[1]})
                assert status == 201
                ids.append(case["id"])
                acked[case["id"]] = ["report"]

            async def chain(case_id: int) -> None:
                for version, (token, action) in enumerate(FLOW, 1):
                    body: dict[str, Any] = {"action": action, "version": version}
                    if action == "handle":
                        body["photos"] = [photo["sha256"]]
                    unsure[case_id] = (version, token, action)
                    status, _ = await post(http, token, f"/api/v1/cases/{case_id}/actions",
                                           body)
                    assert status == 200
                    del unsure[case_id]
                    acked[case_id].append(action)

            tasks = [asyncio.create_task(chain(i)) for i in ids]
            async with asyncio.timeout(60):
                while sum(len(a) for a in acked.values()) < 24 + 40:
                    await asyncio.sleep(0.002)
                    failed = [t for t in tasks if t.done() and t.exception()]
                    if failed:
                        raise AssertionError(failed[0].exception())
            proc.kill()  # kill -9, requests in flight
            await proc.wait()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    proc = await start(config)
    try:
        async with aiohttp.ClientSession(base) as http:
            for case_id, (version, token, action) in unsure.items():
                body = {"action": action, "version": version}
                if action == "handle":
                    body["photos"] = [photo["sha256"]]
                status, answer = await post(http, token, f"/api/v1/cases/{case_id}/actions",
                                            body)
                assert status in (200, 409), answer
                if status == 200 or answer["version"] > version:  # landed now, or before
                    acked[case_id].append(action)
            for case_id, actions in acked.items():
                async with http.get(f"/api/v1/cases/{case_id}", headers={
                        "Authorization": f"Bearer {OPERATOR}"}) as resp:
                    case = await resp.json()
                assert [x["action"] for x in case["log"]] == actions, case_id
                assert [x["seq"] for x in case["log"]] == list(range(1, len(actions) + 1))
                assert case["version"] == len(actions)
    finally:
        proc.kill()
        await proc.wait()
    assert sum(len(a) for a in acked.values()) >= 24 + 40
