"""python -m simulator cases: a month of the case loop over the real HTTP API.

About 100 cases a day (95 % inspectors, 3 % camera captures, 2 % the 12319 hotline), taken
through 受理 → 立案 → 派遣 → 处置 → 核查 → 结案 by operator, dispatcher, department and inspector
tokens. Departments are on time, late or sloppy (their work fails the check and is reworked);
some inspectors miss things (a hotline case on a road they had just walked) and one checks
from the desk (no GPS stay at the case). Case times are the server's data clock
(`--clock data`), which the simulator moves with a vehicle's fixes ("sim-clock"), so a month
runs in minutes and every figure lands on its simulated day.

    python -m simulator cases --write-config var/cases.toml
    python server.py --config var/cases.toml
    python -m simulator cases --config var/cases.toml
"""

from __future__ import annotations

import asyncio
import heapq
import io
import itertools
import random
import time
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import orjson
from PIL import Image

from cases.catalog import load_catalog
from geofence.city import load_city
from geofence.index import CityIndex

CLOCK_DEVICE = "sim-clock"
BUCKET_S = 300.0  # actions are stamped to the clock's 5-minute steps
# Department behaviour: (share of the limit used when handling: low, high; P(check fails))
PROFILES = {"on_time": (0.2, 0.8, 0.03), "late": (0.6, 1.9, 0.05), "sloppy": (0.3, 0.9, 0.3)}
DEPARTMENTS = {"sanitation": "on_time", "enforcement": "late", "municipal": "sloppy",
               "traffic": "on_time", "landscape": "on_time", "streetlight": "late",
               "water": "on_time", "housing": "sloppy", "emergency": "on_time",
               "patrol": "on_time"}
COMMON_CLASSES = ["E0102", "E0104", "E0103", "E0201", "E0501", "E0504", "E0505", "E0506",
                  "E0202", "E0302", "E0305", "C0103", "C0110", "C0303", "C0402", "C0206",
                  "E0101", "E0108", "C0101", "E0405"]


def write_config(path: Path, city_dir: Path, seed: int = 1) -> dict[str, str]:
    """A server config with a token for every role the month needs (inspectors of the city,
    every department of the catalogue), the data clock and the clock vehicle."""
    rng = random.Random(seed)
    city = load_city(city_dir)

    def tok(tag: str) -> str:
        return f"sim-{tag}-{rng.getrandbits(64):016x}"

    tokens = {tok("device"): "device", tok("supervisor"): "supervisor",
              tok("operator"): "operator", tok("dispatcher"): "dispatcher",
              tok("public"): "public", tok("admin"): "admin"}
    for grid in city.grids:
        for insp in grid.inspectors:
            tokens[tok("insp")] = f"inspector:{insp}"
    for dep in load_catalog().departments:
        tokens[tok("dep")] = f"department:{dep}"
    lines = ["# written by python -m simulator cases --write-config (tokens for this run)",
             "[server]", 'clock = "data"', "", "[devices]", f'vehicles = ["{CLOCK_DEVICE}"]',
             "", "[auth.tokens]"] + [f'"{t}" = "{r}"' for t, r in tokens.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tokens


def read_tokens(path: Path) -> dict[str, str]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {role: token for token, role in raw.get("auth", {}).get("tokens", {}).items()}


def photo(rng: random.Random) -> bytes:
    img = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
    img.putpixel((rng.randrange(64), rng.randrange(48)), (255, 255, 255))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass
class Stats:
    requests: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"requests": self.requests, "cases": self.created, "actions": self.actions,
                "refused": self.refused}


class Month:
    def __init__(self, base: str, tokens: dict[str, str], city_dir: Path, first: date,
                 days: int, per_day: int, seed: int) -> None:
        self.base, self.tokens = base.rstrip("/"), tokens
        self.city = load_city(city_dir)
        self.index = CityIndex(self.city)
        self.zone = ZoneInfo(self.city.settings.timezone)
        self.first, self.days, self.per_day = first, days, per_day
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.queue: list[tuple[float, int, Callable[[float], Awaitable[None]]]] = []
        self.seq = itertools.count()
        self.device_ts: dict[str, float] = {}
        self.clock = 0.0
        inspectors = [i for g in self.city.grids for i in g.inspectors]
        self.grid_of = {i: g.id for g in self.city.grids for i in g.inspectors}
        # Inspectors who miss things (a hotline case on a road they just walked) and one
        # who checks from the desk.
        self.missers = set(self.rng.sample(inspectors, max(1, len(inspectors) // 5)))
        self.desk = self.rng.choice([i for i in inspectors if i not in self.missers])
        self.http: aiohttp.ClientSession | None = None

    def at(self, ts: float, step: Callable[[float], Awaitable[None]]) -> None:
        heapq.heappush(self.queue, (ts, next(self.seq), step))

    def token(self, role: str) -> str:
        return self.tokens[role]

    async def call(self, role: str, method: str, path: str, body: Any = None,
                   data: bytes | None = None) -> tuple[int, Any]:
        assert self.http is not None
        headers = {"Authorization": f"Bearer {self.token(role)}"}
        self.stats.requests += 1
        kwargs: dict[str, Any] = {"data": data} if data is not None else {"json": body}
        async with self.http.request(method, self.base + path, headers=headers,
                                     **kwargs) as resp:
            payload = await resp.read()
            out = orjson.loads(payload) if resp.content_type == "application/json" else payload
            if resp.status >= 400:
                key = f"{method} {path.split('/')[4] if path.count('/') > 3 else path} " \
                      f"{resp.status}"
                self.stats.refused[key] = self.stats.refused.get(key, 0) + 1
            return resp.status, out

    async def fixes(self, device: str, points: list[tuple[float, float, float]]) -> None:
        """Send a device's fixes (ts, lon, lat), never older than what it sent before."""
        last = self.device_ts.get(device, 0.0)
        body = [{"device": device, "ts": ts, "lon": lon, "lat": lat}
                for ts, lon, lat in points if ts > last]
        if not body:
            return
        self.device_ts[device] = float(body[-1]["ts"])  # type: ignore[arg-type]
        status, _ = await self.call("device", "POST", "/api/v1/positions", body)
        if status != 200:
            raise RuntimeError(f"positions refused ({status}): is the server on --clock data "
                               f"with vehicle {CLOCK_DEVICE}?")

    async def advance(self, ts: float) -> None:
        """Move the server's data clock to ts (a fix of the clock vehicle), and wait for it."""
        if ts <= self.clock:
            return
        lon, lat = self.index.road_point(0, 1.0)
        await self.fixes(CLOCK_DEVICE, [(ts, lon, lat)])
        for _ in range(200):
            status, health = await self.call("supervisor", "GET", "/healthz")
            if status == 200 and health.get("clock", 0) >= ts:
                break
            await asyncio.sleep(0.01)
        self.clock = ts

    # -- the month's arrivals ----------------------------------------------------------------

    def local(self, day: date, hours: float) -> float:
        return datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp() \
            + hours * 3600.0

    def plan(self) -> None:
        for d in range(self.days):
            day = self.first + timedelta(days=d)
            n = max(1, round(self.rng.gauss(self.per_day, self.per_day ** 0.5)))
            for _ in range(n):
                r = self.rng.random()
                if r < 0.95:
                    self.at(self.local(day, self.rng.uniform(7.6, 18.3)), self.inspector_report)
                elif r < 0.98:
                    self.at(self.local(day, self.rng.uniform(7.0, 21.0)), self.camera_case)
                else:
                    self.plan_hotline(self.local(day, self.rng.uniform(9.0, 18.0)))

    def road_spot(self, grid: str | None = None) -> tuple[int, float, float]:
        roads = [i for i, r in enumerate(self.index.roads) if grid is None or r.grid == grid]
        r = self.rng.choice(roads)
        lon, lat = self.index.road_point(r, self.rng.uniform(0, float(self.index.road_length[r])))
        return r, lon, lat

    async def upload(self, role: str) -> str:
        status, body = await self.call(role, "POST", "/api/v1/cases/photos",
                                       data=photo(self.rng))
        if status != 201:
            raise RuntimeError(f"photo refused: {status} {body}")
        return str(body["sha256"])

    async def inspector_report(self, ts: float) -> None:
        grid = self.rng.choice(self.city.grids)
        who = self.rng.choice(grid.inspectors)
        _, lon, lat = self.road_spot(grid.id)
        await self.fixes(who, [(ts - 60 + k * 10, lon, lat) for k in range(7)])
        role = f"inspector:{who}"
        status, case = await self.call(role, "POST", "/api/v1/cases", {
            "class": self.rng.choice(COMMON_CLASSES), "lon": lon, "lat": lat,
            "description": "巡查发现", "photos": [await self.upload(role)]})
        self.created(status, case, "inspector")

    async def camera_case(self, ts: float) -> None:
        cams = [c for c in self.city.cameras if c.location is not None]
        cam = self.rng.choice(cams)
        assert cam.location is not None
        status, case = await self.call("operator", "POST", "/api/v1/cases", {
            "source": "camera", "camera": cam.id, "class": self.rng.choice(
                ["E0505", "E0501", "E0104", "E0303"]),
            "lon": cam.location[0], "lat": cam.location[1], "description": "视频巡查抓拍"})
        self.created(status, case, "camera")

    def plan_hotline(self, ts: float) -> None:
        """A citizen's call; on a misser's road, the misser walked it an hour before."""
        r, lon, lat = self.road_spot()
        road = self.index.roads[r]
        grid = next(g for g in self.city.grids if g.id == road.grid)
        missers = [i for i in grid.inspectors if i in self.missers]
        if missers and self.rng.random() < 0.7:
            async def walk(t: float) -> None:
                await self.walk(missers[0], r, t)
            self.at(ts - 3600, walk)

        async def call(t: float) -> None:
            status, case = await self.call("operator", "POST", "/api/v1/cases", {
                "source": "hotline", "class": self.rng.choice(COMMON_CLASSES[:8]),
                "lon": lon, "lat": lat, "caller": "12319 市民来电"})
            self.created(status, case, "hotline")
        self.at(ts, call)

    async def walk(self, device: str, road: int, t0: float) -> None:
        length = float(self.index.road_length[road])
        pts = []
        for k in range(int(length / 6.0) + 2):
            lon, lat = self.index.road_point(road, min(length, k * 6.0))
            pts.append((t0 + k * 5.0, lon, lat))
        await self.fixes(device, pts)

    def created(self, status: int, case: Any, source: str) -> None:
        if status not in (200, 201):
            return
        self.stats.created[source] = self.stats.created.get(source, 0) + 1
        self.after(case, "accept", self.rng.uniform(300, 1500))

    # -- the flow ----------------------------------------------------------------------------

    def after(self, case: dict[str, Any], action: str, delay_s: float) -> None:
        at = max(case["updated_ts"], self.clock) + delay_s

        async def step(ts: float) -> None:
            await self.act(case["id"], action)
        self.at(at, step)

    async def act(self, case_id: int, action: str) -> None:
        status, case = await self.call("supervisor", "GET", f"/api/v1/cases/{case_id}")
        if status != 200:
            return
        body: dict[str, Any] = {"action": action, "version": case["version"]}
        role = {"accept": "operator", "open": "operator", "void": "operator",
                "dispatch": "dispatcher", "close": "operator", "rework": "operator"}.get(action)
        if action == "accept" and case["source"] != "spill" and self.rng.random() < 0.03:
            action, body["action"], body["reason"] = "void", "void", "重复上报 / duplicate"
        if action == "handle":
            role = f"department:{case['department']}"
            body["photos"] = [await self.upload(role)]
            body["note"] = "已处置"
        if action == "check":
            who = self.checker(case)
            role = f"inspector:{who}"
            if who != self.desk:
                t = self.clock
                await self.fixes(who, [(t - 200 + k * 10, case["lon"], case["lat"])
                                       for k in range(21)])
            body["photos"] = [await self.upload(role)]
            profile = PROFILES[DEPARTMENTS.get(case["department"], "on_time")]
            body["passed"] = self.rng.random() >= profile[2]
        if action == "rework":
            body["reason"] = "处置不到位 / not up to standard"
        assert role is not None
        status, moved = await self.call(role, "POST", f"/api/v1/cases/{case_id}/actions", body)
        if status != 200:
            return
        self.stats.actions[action] = self.stats.actions.get(action, 0) + 1
        self.next_step(moved)

    def checker(self, case: dict[str, Any]) -> str:
        grid = next((g for g in self.city.grids if g.id == case["grid"]), self.city.grids[0])
        return grid.inspectors[-1] if case["reporter"] == grid.inspectors[0] \
            else grid.inspectors[0]

    def next_step(self, case: dict[str, Any]) -> None:
        state, rng = case["state"], self.rng
        if state == "accepted":
            self.after(case, "open", rng.uniform(120, 900))
        elif state == "opened":
            self.after(case, "dispatch", rng.uniform(300, 1800))
        elif state == "dispatched":
            low, high, _ = PROFILES[DEPARTMENTS.get(case["department"], "on_time")]
            span = (case["clock"]["due_ts"] or case["updated_ts"] + 86400) - case["updated_ts"]
            self.after(case, "handle", max(60.0, rng.uniform(low, high) * span))
        elif state == "handled":
            self.after(case, "check", rng.uniform(1800, 3 * 3600))
        elif state == "checked":
            self.after(case, "close" if case["check"]["passed"] else "rework",
                       rng.uniform(300, 1800))

    async def run(self, until: float) -> Stats:
        self.plan()
        async with aiohttp.ClientSession() as self.http:
            while self.queue and self.queue[0][0] <= until:
                ts, _, step = heapq.heappop(self.queue)
                await self.advance(ts - ts % BUCKET_S)
                try:
                    await step(ts)
                except RuntimeError:
                    raise
                except (aiohttp.ClientError, KeyError, ValueError) as exc:
                    key = f"error {type(exc).__name__}"
                    self.stats.refused[key] = self.stats.refused.get(key, 0) + 1
        return self.stats


async def run_cases(url: str, config: Path, city: Path, days: int, per_day: int,
                    seed: int, first: date | None = None) -> dict[str, Any]:
    tokens = read_tokens(config)
    missing = {"device", "supervisor", "operator", "dispatcher"} - set(tokens)
    if missing:
        raise SystemExit(f"{config}: no token for {', '.join(sorted(missing))} "
                         f"(write one with --write-config)")
    zone = ZoneInfo(load_city(city).settings.timezone)
    today = datetime.now(zone).date()
    first = first or today - timedelta(days=days)
    month = Month(url, tokens, city, first, days, per_day, seed)
    wall = time.perf_counter()
    until = datetime(today.year, today.month, today.day, tzinfo=zone).timestamp() - 60
    stats = await month.run(min(until, month.local(first + timedelta(days=days), 0.0)))
    out = stats.summary()
    out.update(seconds=round(time.perf_counter() - wall, 1), first=first.isoformat(),
               days=days, missers=sorted(month.missers), desk_checker=month.desk)
    return out
