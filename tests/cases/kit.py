"""Small helpers for the case tests: a photo, a place in the demo city, calls by role."""

from __future__ import annotations

import io
from typing import IO, Any

import aiohttp
from PIL import Image

from cases.records import Actor
from tests.serverkit import RunningServer

OPS, DISP = Actor("operator"), Actor("dispatcher")


def at(d: int, hh: int, mm: int = 0, month: int = 11) -> float:
    """A moment of November 2026 (or the given month) in the demo city's zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime(2026, month, d, hh, mm, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()

# A point on a demo-city road in grid g1 (north city) and one far outside the city.
IN_CITY = (116.897648, 36.616138)  # on road g1-m01
OUTSIDE = (10.0, 50.0)


def png(seed: int = 0, size: tuple[int, int] = (32, 24)) -> bytes:
    img = Image.new("RGB", size, (seed % 256, (seed * 7) % 256, 90))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


async def call(srv: RunningServer, token: str, method: str, path: str,
               body: Any = None, data: bytes | None = None,
               content_type: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    payload: bytes | IO[bytes] | None = data
    if data is not None and len(data) > 1 << 20:  # streamed, as a handset uploads
        payload = io.BytesIO(data)
    async with aiohttp.ClientSession(srv.base) as http, http.request(
            method, path, json=body, data=payload, headers=headers) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()


async def upload(srv: RunningServer, token: str, photo: bytes) -> str:
    status, body = await call(srv, token, "POST", "/api/v1/cases/photos", data=photo,
                              content_type="image/png")
    assert status == 201, body
    return str(body["sha256"])


async def report(srv: RunningServer, token: str, **fields: Any) -> dict[str, Any]:
    body = {"class": "E0102", "lon": IN_CITY[0], "lat": IN_CITY[1],
            "description": "垃圾堆积", **fields}
    status, case = await call(srv, token, "POST", "/api/v1/cases", body)
    assert status == 201, case
    return dict(case)


async def act(srv: RunningServer, token: str, case: dict[str, Any], action: str,
              **fields: Any) -> tuple[int, Any]:
    return await call(srv, token, "POST", f"/api/v1/cases/{case['id']}/actions",
                      {"action": action, "version": case["version"], **fields})


def yesterday_at(hour: int, minute: int = 0) -> float:
    """A time of yesterday in the demo city's zone (inside keep_days, never in the future)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    zone = ZoneInfo("Asia/Shanghai")
    day = datetime.now(zone).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()


def walk(srv: RunningServer, device: str, road: str, t0: float, step_m: float = 6.0,
         every_s: float = 5.0) -> list[dict[str, Any]]:
    """Fixes of a walk along a whole road, from its start."""
    index = srv.tracker.ctx.index
    r = index.road_ids[road]
    length = float(index.road_length[r])
    out = []
    for i in range(int(length / step_m) + 2):
        lon, lat = index.road_point(r, min(length, i * step_m))
        out.append({"device": device, "ts": t0 + i * every_s, "lon": lon, "lat": lat})
    return out


def stand(device: str, lon: float, lat: float, t0: float, seconds: float,
          every_s: float = 10.0) -> list[dict[str, Any]]:
    return [{"device": device, "ts": t0 + k * every_s, "lon": lon, "lat": lat + 1e-5 * (k % 2)}
            for k in range(int(seconds / every_s) + 1)]


async def send(srv: RunningServer, fixes: list[dict[str, Any]]) -> None:
    from tests.serverkit import DEVICE
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=fixes) as resp:
        assert resp.status == 200
        assert (await resp.json())["rejected"] == []
    await srv.settle()
