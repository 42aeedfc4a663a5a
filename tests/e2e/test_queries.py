"""Supervisor queries over HTTP after an inspector walks a road: what the centre sees."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.serverkit import ADMIN, DEVICE, RunningServer


def walk(srv: RunningServer, road: int, device: str, start: float) -> list[dict[str, Any]]:
    """Fixes every second at 1.3 m/s from one end of the road to the other."""
    index = srv.tracker.ctx.index
    length = float(index.road_length[road])
    fixes = []
    for n in range(int(length / 1.3) + 2):
        lon, lat = index.road_point(road, min(length, n * 1.3))
        fixes.append({"device": device, "ts": start + n, "lat": lat, "lon": lon})
    return fixes


def yesterday_at(hour: int, zone: str) -> tuple[str, float]:
    tz = ZoneInfo(zone)
    day = (datetime.now(tz) - timedelta(days=1)).date()
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
    return day.isoformat(), moment.timestamp()


async def test_a_walked_road_shows_in_every_query(srv: RunningServer) -> None:
    city = srv.server.city
    grid = city.grids[0]
    device = grid.inspectors[0]
    road = next(i for i, r in enumerate(city.roads) if r.grid == grid.id)
    road_id = city.roads[road].id
    date, start = yesterday_at(9, city.settings.timezone)
    fixes = walk(srv, road, device, start)
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=fixes) as resp:
        assert (await resp.json())["accepted"] == len(fixes)
    await srv.settle()
    srv.tracker.flush()

    async with srv.http() as http:
        async with http.get("/api/v1/roads/compliance", params={"date": date}) as resp:
            rows = {r["road"]: r for r in await resp.json()}
        assert len(rows) == len(city.roads)
        row = rows[road_id]
        assert row["passes"] == 1 and row["grid"] == grid.id
        assert start < row["last_pass_ts"] <= fixes[-1]["ts"]
        assert row["status"] == "missed"  # yesterday's window has closed below 4-5 passes
        async with http.get(f"/api/v1/roads/{road_id}/passes", params={"date": date}) as resp:
            passes = await resp.json()
        assert [p["device"] for p in passes] == [device]
        async with http.get("/api/v1/passes", params={"date": date}) as resp:
            day_passes = await resp.json()
        assert [(p["road"], p["device"]) for p in day_passes] == [(road_id, device)]
        async with http.get("/api/v1/devices") as resp:
            devices = {d["device"]: d for d in await resp.json()}
        assert devices[device]["ts"] == fixes[-1]["ts"]
        assert abs(devices[device]["lat"] - fixes[-1]["lat"]) < 1e-9
        async with http.get(f"/api/v1/tracks/{device}", params={"date": date}) as resp:
            track = await resp.json()
        assert track["type"] == "Feature"
        assert track["geometry"]["type"] == "LineString"
        assert len(track["geometry"]["coordinates"]) == len(fixes)
        async with http.get("/api/v1/reports/daily", params={"date": date}) as resp:
            report = await resp.json()
        mine = next(i for i in report["inspectors"] if i["device"] == device)
        assert mine["passes"] == 1
        assert 0.6 * float(srv.tracker.ctx.index.road_length[road]) < mine["distance_m"]
        async with http.get("/api/v1/alerts", params={"since": str(start)}) as resp:
            alerts = await resp.json()
        assert all(a["ts"] >= start or a.get("cleared_ts", 0) >= start for a in alerts)


async def test_unknown_things_get_404_and_bad_dates_400(srv: RunningServer) -> None:
    async with srv.http() as http:
        async with http.get("/api/v1/tracks/nobody") as resp:
            assert resp.status == 404
        async with http.get("/api/v1/roads/no-such-road/passes") as resp:
            assert resp.status == 404
        for bad in ("2026-13-01", "yesterday", "2026-02-30"):
            async with http.get("/api/v1/roads/compliance", params={"date": bad}) as resp:
                assert resp.status == 400
        async with http.get("/api/v1/alerts", params={"since": "soon"}) as resp:
            assert resp.status == 400
        async with http.get("/api/v1/evidence/../../etc/passwd") as resp:
            assert resp.status == 404


async def test_health_metrics_and_openapi(srv: RunningServer) -> None:
    async with srv.http(DEVICE) as http, http.get("/healthz") as resp:
        assert resp.status == 200 and (await resp.json())["status"] == "ok"
    async with srv.http(ADMIN) as http:
        async with http.get("/metrics") as resp:
            text = await resp.text()
        assert "gridwatch_positions_received_total" in text
        assert 'gridwatch_tracker{what="devices"}' in text
        async with http.get("/api/v1/openapi.json") as resp:
            doc = await resp.json()
        assert doc["openapi"].startswith("3.")
    async with srv.http(DEVICE) as http, http.get("/metrics") as resp:
        assert resp.status == 403


async def test_the_page_shell_needs_no_token_but_holds_no_data(srv: RunningServer) -> None:
    async with srv.http(token="") as http, http.get("/") as resp:
        assert resp.status == 200
        html = await resp.text()
        assert "<html" in html.lower()
        for road in srv.server.city.roads[:5]:
            assert road.id not in html
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


async def test_bad_input_is_kept_and_counted_by_reason_in_metrics(srv: RunningServer) -> None:
    city = srv.server.city
    device = city.grids[0].inspectors[0]
    _, start = yesterday_at(9, city.settings.timezone)
    lon, lat = srv.tracker.ctx.index.road_point(0, 10.0)
    fixes = [{"device": device, "ts": start, "lat": lat, "lon": lon, "acc": 5.0},
             {"device": device, "ts": start + 1, "lat": lat, "lon": lon, "acc": 5000.0},
             {"device": device, "ts": start + 2, "lat": lat + 0.05, "lon": lon}]  # 5.5 km in 1 s
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=fixes) as resp:
        assert (await resp.json())["accepted"] == 3
    await srv.settle()
    text = ""
    for _ in range(60):  # held in the reorder window until the server's next tick
        async with srv.http(ADMIN) as http, http.get("/metrics") as resp:
            text = await resp.text()
        if 'gridwatch_tracker{what="bad_fixes_speed"} 1.0' in text:
            break
        await asyncio.sleep(0.25)
    assert 'gridwatch_tracker{what="bad_fixes_accuracy"} 1.0' in text
    assert 'gridwatch_tracker{what="bad_fixes_speed"} 1.0' in text
    date = datetime.fromtimestamp(start, ZoneInfo(city.settings.timezone)).date().isoformat()
    async with srv.http(ADMIN) as http, http.get(f"/api/v1/tracks/{device}",
                                                 params={"date": date}) as resp:
        track = await resp.json()
    assert track["properties"]["count"] == 3  # kept in the track
