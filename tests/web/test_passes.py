"""GET /api/v1/passes: the day's passes with their times, for the page's chart and road view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from web.auth import TokenAuth
from web.passes import PassesApi

TOKENS = {"supervisor-secret-1": "supervisor", "device-secret-001": "device"}
SUP = {"Authorization": "Bearer supervisor-secret-1"}
NOW = 1772413200.0  # 2026-03-02 09:00 in Shanghai


class Book:
    """Passes per (road, date), as the tracker files them."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.passes = {("r1", "2026-03-02"): [{"ts": NOW + 50, "device": "a", "suspect": False}],
                       ("r2", "2026-03-02"): [{"ts": NOW + 10, "device": "b", "suspect": True},
                                              {"ts": NOW + 90, "device": "a", "suspect": False}]}

    def road_passes(self, road: str, date: str) -> list[dict[str, Any]]:
        self.asked.append((road, date))
        return list(self.passes.get((road, date), []))


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    api = PassesApi(TokenAuth(TOKENS), Book(), ["r1", "r2", "r3"], "Asia/Shanghai", lambda: NOW)
    app.add_routes(api.routes())
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_whole_day_oldest_first(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/api/v1/passes", headers=SUP)  # no date: today by the clock
    assert resp.status == 200
    rows = await resp.json()
    assert [(r["road"], r["ts"], r["device"], r["suspect"]) for r in rows] == [
        ("r2", NOW + 10, "b", True), ("r1", NOW + 50, "a", False), ("r2", NOW + 90, "a", False)]


async def test_one_road_and_other_days(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/api/v1/passes?road=r1&date=2026-03-02", headers=SUP)
    assert [r["ts"] for r in await resp.json()] == [NOW + 50]
    resp = await client.get("/api/v1/passes?road=r1&date=2026-03-01", headers=SUP)
    assert await resp.json() == []


@pytest.mark.parametrize(("query", "status"), [
    ("?road=nope", 404), ("?date=2026-3-2", 400), ("?date=2026-02-30", 400),
    ("?date=%27;--", 400)])
async def test_bad_requests(client: TestClient[web.Request, web.Application], query: str,
                            status: int) -> None:
    resp = await client.get("/api/v1/passes" + query, headers=SUP)
    assert resp.status == status
    assert "error" in await resp.json()


async def test_supervisors_only(client: TestClient[web.Request, web.Application]) -> None:
    assert (await client.get("/api/v1/passes")).status == 401
    device = {"Authorization": "Bearer device-secret-001"}
    assert (await client.get("/api/v1/passes", headers=device)).status == 403
