"""Driving the supervisor page in real headless Chromium (Debian's package, via Playwright).

scripts/setup.sh installs /usr/bin/chromium; GRIDWATCH_CHROMIUM points elsewhere if needed.
Screenshots go to test-artifacts/ at the repository root (gitignored).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.geofence.citykit import default_grids, ll, road, write_city
from tests.serverkit import DEVICE, SUPERVISOR, RunningServer

CHROMIUM = Path(os.environ.get("GRIDWATCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# 09:00 in Shanghai on a Monday: inside the default patrol window.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC).timestamp()
DAY = "2026-03-02"
# Data time (a replayed day) and no reorder hold-back: what is posted is tracked at once.
DATA_CLOCK: dict[str, Any] = {"server": {"clock": "data"}, "patrol": {"reorder_window_s": 0}}


def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)")
    return str(CHROMIUM)


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                           headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Browser, lang: str | None = None) -> Page:
    context = await browser.new_context(viewport={"width": 1600, "height": 900},
                                        accept_downloads=True, locale="zh-CN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    if lang is not None:
        await page.add_init_script(f"localStorage.setItem('gridwatch.lang', '{lang}')")
    return page


async def open_live(browser: Browser, srv: RunningServer, token: str = SUPERVISOR) -> Page:
    """The page logged in with ?token=, its city drawn and its live socket subscribed."""
    page = await new_page(browser)
    await page.goto(f"{srv.base}/?token={token}")
    await until(page, "() => window.gridwatch && window.gridwatch.map.roads.size > 0")
    await page.wait_for_selector("#conn.state-live")
    await until(page, "() => window.gridwatch.page.today !== null")
    return page


async def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"page-{name}.png"
    await page.screenshot(path=str(path))
    return path


def fix(device: str, ts: float, lonlat: Sequence[float]) -> dict[str, Any]:
    return {"device": device, "ts": ts, "lon": lonlat[0], "lat": lonlat[1]}


async def post(srv: RunningServer, positions: list[dict[str, Any]]) -> None:
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=positions) as resp:
        body = await resp.json()
        assert resp.status == 200, body
        assert body["accepted"] == len(positions), body
    await srv.settle()


async def get(srv: RunningServer, path: str) -> Any:
    async with srv.http() as http, http.get(path) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def marker(page: Page, device: str) -> dict[str, Any] | None:
    """Where the page draws a device now (container pixels) and in which state."""
    result: dict[str, Any] | None = await page.evaluate(
        "(d) => window.gridwatch.markers.screenPosition(d)", device)
    return result


async def until(page: Page, js: str, arg: Any = None, within: float = 10.0) -> Any:
    """Poll a JS function until it returns something truthy. (Playwright's wait_for_function
    builds its predicate with eval, which the page's Content-Security-Policy rightly forbids.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await page.evaluate(js, arg)
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"still false after {within} s: {js}")
        await asyncio.sleep(0.02)


def small_city(tmp_path: Path) -> Path:
    """One grid, r1 needs a single pass (so one walk turns it green), r2 the class default."""
    return write_city(tmp_path / "city", roads=[
        road("r1", (0, 0), (300, 0), grid="g1", required_passes=1),
        road("r2", (0, 100), (0, 400), cls="secondary", grid="g1"),
    ], grids=default_grids())


def walk_r1(device: str, start: float) -> list[dict[str, Any]]:
    """Along r1 at 1.5 m/s, one fix a second, end to end."""
    return [fix(device, start + k, ll(1.5 * k, 2.0)) for k in range(201)]
