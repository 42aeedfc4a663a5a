"""The supervisor page end to end: the real server in-process, real headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import cv2
import numpy as np
from playwright.async_api import Page

from geofence.city import load_city
from server import DEMO_CITY
from tests.geofence.citykit import ll
from tests.serverkit import SUPERVISOR, running_server
from tests.web.pagekit import (
    DATA_CLOCK,
    DAY,
    T0,
    chromium,
    fix,
    get,
    marker,
    open_live,
    post,
    shot,
    small_city,
    until,
    walk_r1,
)


async def pixel(page: Page, x: float, y: float) -> tuple[int, int, int]:
    png = await page.screenshot(clip={"x": x - 1, "y": y - 1, "width": 3, "height": 3})
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    b, g, r = (int(v) for v in img[1, 1])
    return r, g, b


def near(rgb: tuple[int, int, int], hex_colour: str, tolerance: int = 16) -> bool:
    """Roads are drawn at 95 % opacity over the dark ground: close to, not exactly, their colour."""
    want = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, want, strict=True))


async def road_point(page: Page, road_id: str, at: float = 0.5) -> dict[str, float]:
    """Page coordinates of a point part-way along a road as drawn."""
    point: dict[str, float] = await page.evaluate("""([id, at]) => {
        const gw = window.gridwatch; const pts = [];
        gw.map.roads.get(id).layer.eachLayer((l) => pts.push(...[l.getLatLngs()].flat(2)));
        const a = pts[0], b = pts[pts.length - 1];
        const p = gw.map.map.latLngToContainerPoint([a.lat + (b.lat - a.lat) * at,
                                                     a.lng + (b.lng - a.lng) * at]);
        const box = document.getElementById('map').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""", [road_id, at])
    return point


async def test_page_shows_demo_city_and_inspectors_move(tmp_path: Path) -> None:
    city = load_city(DEMO_CITY)
    inspectors = [d for g in city.grids for d in g.inspectors][:2]
    starts = {d: city.roads[i].geometry.interpolate(0.5, normalized=True).coords[0]
              for i, d in enumerate(inspectors)}
    async with running_server(tmp_path, **DATA_CLOCK) as srv, chromium() as browser:
        await post(srv, [fix(d, T0, starts[d]) for d in inspectors])
        page = await open_live(browser, srv)
        assert "token" not in page.url
        assert await page.evaluate("sessionStorage.getItem('gridwatch.token')") == SUPERVISOR
        assert await page.evaluate("window.gridwatch.map.roads.size") == len(city.roads)
        labels = await page.locator(".grid-label").all_inner_texts()
        assert sorted(labels) == sorted(g.name for g in city.grids)
        assert await page.inner_text("#city-name") == city.name
        await until(page, "(d) => window.gridwatch.markers.screenPosition(d)", inspectors[0])
        before = await marker(page, inspectors[0])
        assert before is not None and before["state"] == "active"
        lon, lat = starts[inspectors[0]]
        await post(srv, [fix(inspectors[0], T0 + 60, (lon + 0.004, lat + 0.002))])
        await until(page, "([d, x]) => { const p = window.gridwatch.markers.screenPosition(d);"
                    " return p && Math.abs(p.x - x) > 20; }", [inspectors[0], before["x"]])
        await shot(page, "demo-city")
        await page.click("#lang")
        assert await page.inner_text("[data-tab=reports]") == "Reports"
        await shot(page, "demo-city-en")
        assert page.errors == []  # type: ignore[attr-defined]


async def test_alert_reaches_the_feed_within_a_second(tmp_path: Path) -> None:
    async with running_server(tmp_path, small_city(tmp_path), **DATA_CLOCK) as srv, \
            chromium() as browser, srv.http() as http, \
            http.ws_connect("/ws/live", headers=srv.headers()) as ws:
        await ws.send_str(json.dumps({"subscribe": {"types": ["alert"]}}))
        assert (await ws.receive_json())["type"] == "subscribed"
        await post(srv, [fix("dev-1", T0, ll(0, 0))])
        page = await open_live(browser, srv)
        await page.select_option("#f-type", "too_fast")
        # Riding at 10 m/s (36 km/h) for 100 s: the simulator's too_fast case.
        await post(srv, [fix("dev-1", T0 + k, ll(10 * k, 0)) for k in range(1, 101)])
        while (event := await ws.receive_json(timeout=10)).get("alert_type") != "too_fast":
            pass  # other alerts of the same data (none expected) pass by
        raised = time.perf_counter()
        row = page.locator(f"#alert-list li.alert[data-id='{event['id']}']")
        await row.wait_for(timeout=5000)
        assert time.perf_counter() - raised < 1.0
        assert await row.get_attribute("data-type") == "too_fast"
        assert "dev-1" in await row.inner_text()
        await shot(page, "alert-feed")
        await row.click()  # flies to the inspector and opens the drill-down
        await page.wait_for_selector("#panel-detail.active #detail h2:has-text('dev-1')")
        await page.click("[data-tab=alerts]")
        await row.locator("button.ack").click()
        assert await page.locator("#alert-list li.alert").count() == 0
        await page.check("#f-acked")
        assert "已确认" in await row.inner_text()


async def test_road_turns_green_when_its_pass_completes(tmp_path: Path) -> None:
    async with running_server(tmp_path, small_city(tmp_path), **DATA_CLOCK) as srv, \
            chromium() as browser:
        await post(srv, [fix("dev-2", T0, ll(0, 300))])
        page = await open_live(browser, srv)
        await page.evaluate("window.gridwatch.map.flyToRoad('r1')")
        await page.wait_for_timeout(1200)  # the fly animation, not the assertion
        pending = await page.evaluate("window.gridwatch.map.roadColor('r1')")
        point = await road_point(page, "r1", 0.35)
        assert near(await pixel(page, point["x"], point["y"]), pending)
        await post(srv, walk_r1("dev-1", T0 + 1))
        await until(page, "(p) => window.gridwatch.map.roadColor('r1') !== p", pending)
        assert await page.evaluate("window.gridwatch.map.roadColor('r1')") == "#22c55e"
        await page.wait_for_timeout(100)  # one animation frame for the canvas to repaint
        assert near(await pixel(page, point["x"], point["y"]), "#22c55e")
        assert not near(await pixel(page, point["x"], point["y"]), pending)
        assert await page.inner_text("#kpi-ok") == "1"
        await page.evaluate("window.gridwatch.page.openRoad('r1', {fly: false})")
        await page.wait_for_selector("#detail .passes li a:has-text('dev-1')")
        assert "1 / 1" in await page.inner_text("#detail .progress")
        await shot(page, "road-green")


async def test_replay_slider_moves_the_marker(tmp_path: Path) -> None:
    async with running_server(tmp_path, small_city(tmp_path), **DATA_CLOCK) as srv, \
            chromium() as browser:
        await post(srv, walk_r1("dev-1", T0))
        page = await open_live(browser, srv)
        await page.fill("#search", "dev-1")
        await page.click("#search-results li:has-text('dev-1')")
        await page.click("#replay-open")
        bar = page.locator("#replay-bar")
        await bar.wait_for(state="visible")
        dot = page.locator(".replay-marker")
        start = await dot.bounding_box()
        slider = page.locator("#rp-slider")
        await slider.evaluate("(s) => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
        end = await dot.bounding_box()
        assert start is not None and end is not None
        assert end["x"] - start["x"] > 100  # r1 runs 300 m east
        assert abs(end["y"] - start["y"]) < 10
        assert await page.inner_text("#rp-time") == "09:03:20"
        await slider.evaluate("(s) => { s.value = String(Number(s.min) + 100);"
                              " s.dispatchEvent(new Event('input')); }")
        middle = await dot.bounding_box()
        assert middle is not None and start["x"] < middle["x"] < end["x"]
        await shot(page, "replay")


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


async def test_csv_downloads_carry_the_report_numbers(tmp_path: Path) -> None:
    async with running_server(tmp_path, small_city(tmp_path), **DATA_CLOCK) as srv, \
            chromium() as browser:
        await post(srv, walk_r1("dev-1", T0))
        await post(srv, [fix("dev-1", T0 + 201 + k, ll(300 - 1.5 * k, 2.0)) for k in range(201)])
        report = await get(srv, f"/api/v1/reports/daily?date={DAY}")
        page = await open_live(browser, srv)
        await page.click("[data-tab=reports]")
        await page.wait_for_selector("#t-grids tbody tr")
        async with page.expect_download() as grids_dl:
            await page.click("#csv-grids")
        grids = read_csv(Path(await (await grids_dl.value).path()))
        async with page.expect_download() as people_dl:
            await page.click("#csv-inspectors")
        download = await people_dl.value
        assert download.suggested_filename == f"gridwatch-inspectors-{DAY}.csv"
        people = read_csv(Path(await download.path()))
        await shot(page, "reports")
    g = report["grids"][0]
    assert g["passes"] == 2 and g["required"] == 5
    assert grids[0][:2] == ["网格", "名称"]
    assert grids[1][:7] == [g["grid"], g["name"], str(g["roads"]), str(g["passes"]),
                            str(g["required"]), str(g["done"]), f"{g['coverage_pct']:g}"]
    rows = {r[0]: r for r in people[1:]}
    for want in report["inspectors"]:
        row = rows[want["device"]]
        assert row[2] == str(want["passes"])
        assert row[4] == f"{want['distance_m'] / 1000:.3f}"
        assert row[5] == f"{want['on_duty_s'] / 3600:.2f}"
    assert rows["dev-1"][2] == "2"
    assert float(rows["dev-1"][4]) > 0.4


async def test_live_connection_state_is_visible_and_reconnects(tmp_path: Path) -> None:
    async with running_server(tmp_path, small_city(tmp_path), **DATA_CLOCK) as srv, \
            chromium() as browser:
        page = await open_live(browser, srv)
        await page.evaluate("""() => { const conn = document.getElementById('conn');
            window.__conn = [];
            new MutationObserver(() => window.__conn.push(conn.className))
              .observe(conn, {attributes: true}); }""")
        await srv.server.parts.hub.close_all()
        await until(page, "() => window.__conn.includes('conn state-offline')")
        await until(page, "() => window.__conn.at(-1) === 'conn state-live'", within=15)
        await post(srv, [fix("dev-2", T0, ll(100, 0))])  # live again: the new fix is drawn
        await until(page, "() => window.gridwatch.markers.screenPosition('dev-2')")

