"""Small helpers for the case tests: a photo, a place in the demo city, calls by role."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image

from tests.serverkit import RunningServer

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
    async with aiohttp.ClientSession(srv.base) as http, http.request(
            method, path, json=body, data=data, headers=headers) as resp:
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
