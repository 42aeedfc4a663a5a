"""Run one condition on one city through a real server.py process over HTTP, end to end.

The server starts on the city folder with `--clock data` on free loopback ports; each minute of
data time goes in as one `POST /api/v1/positions` (a device token), then one position far past
the last close moves the data clock so the reorder windows let everything out; the answers are
read back with `GET /api/v1/roads/compliance?date=` and `GET /api/v1/passes?date=` (a
supervisor token) once two readings a second apart agree (docs/contract.md §4).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.judge.conditions import Condition
from bench.judge.runner import day_fixes, day_plan, prepare
from bench.judge.score import Score, score_day
from bench.judge.truth import day_passes

ROOT = Path(__file__).resolve().parents[2]
CHUNK_S = 60.0


class Client:
    def __init__(self, base: str, device: str, supervisor: str) -> None:
        self.base, self.device, self.supervisor = base, device, supervisor

    def _call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:  # loopback only
            return json.loads(resp.read())

    def post(self, positions: list[dict[str, Any]]) -> None:
        answer = self._call("POST", "/api/v1/positions", self.device, {"positions": positions})
        if answer["accepted"] != len(positions) or answer["rejected"]:
            raise RuntimeError(f"server refused positions: {answer['rejected'][:3]}")

    def get(self, path: str) -> Any:
        return self._call("GET", path, self.supervisor)


def _start(folder: Path, data_dir: Path, tokens: str) -> tuple[subprocess.Popen[str], str]:
    cfg = data_dir / "server.toml"
    cfg.write_text(f'[server]\nport = 0\ndata_dir = "{data_dir.as_posix()}"\n'
                   '[osmand]\nport = 0\n[jt808]\nport = 0\n', encoding="utf-8")
    env = {**os.environ, "GRIDWATCH_TOKENS": tokens}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py"), "--city", str(folder), "--config", str(cfg),
         "--clock", "data", "--log-level", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60.0
    for line in proc.stdout:
        m = re.search(r"http://([\d.]+):(\d+)/", line)
        if m:
            return proc, f"http://{m.group(1)}:{m.group(2)}"
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise RuntimeError("server.py did not start")


def _settled(client: Client, dates: list[str]) -> dict[str, tuple[Any, Any]]:
    last: dict[str, tuple[Any, Any]] | None = None
    for _ in range(120):
        now = {d: (client.get(f"/api/v1/roads/compliance?date={d}"),
                   client.get(f"/api/v1/passes?date={d}")) for d in dates}
        if now == last:
            return now
        last = now
        time.sleep(1.0)
    raise RuntimeError("the server's answers did not settle")


def run_cell_server(cond: Condition, city: str, days: int, seed: int = 1) -> Score:
    p = prepare(city)
    dev, sup = secrets.token_hex(16), secrets.token_hex(16)
    total = Score()
    with tempfile.TemporaryDirectory(prefix="judge-server-") as tmp:
        proc, base = _start(p.folder, Path(tmp), f"{dev}:device,{sup}:supervisor")
        try:
            client = Client(base, dev, sup)
            plans = []
            for day in range(days):
                plan, truth = day_plan(p, day, cond.motion, seed)
                fixes = day_fixes(p, plan, cond, day, seed)
                silent = (day_passes(p.city, plan.walkers, plan.open, plan.close, fixes.gaps)
                          if cond.dropouts else None)
                started = time.perf_counter()
                for a, b in fixes.slices(CHUNK_S):
                    client.post(fixes.json(a, b))
                total.seconds += time.perf_counter() - started
                total.fixes += len(fixes)
                plans.append((plan, truth, silent))
            last = plans[-1][0]
            client.post([{"device": last.walkers[0].device, "ts": last.close + 7200.0,
                          "lat": float(p.city.plane.lat0), "lon": float(p.city.plane.lon0)}])
            answers = _settled(client, [plan.date for plan, _, _ in plans])
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    for plan, truth, silent in plans:
        rows, passes = answers[plan.date]
        by_road: dict[str, list[dict[str, Any]]] = {}
        for ps in passes:
            by_road.setdefault(ps["road"], []).append(ps)

        def passes_of(road: str, by_road: dict[str, list[dict[str, Any]]] = by_road
                      ) -> list[dict[str, Any]]:
            return by_road.get(road, [])

        total.add(score_day(p.city, plan, truth, rows, passes_of, silent))
    return total
