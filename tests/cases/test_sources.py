"""Where cases come from and what only a monitoring server adds: proof of presence at 核查,
漏报 against inspectors who passed by, spill alerts and coverage gaps as cases, the camera
capture and Open311 — on the real server with the data clock (fixes of yesterday)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cases.assemble import CasesPart
from model.alert import Alert
from model.events import AlertEvent
from tests.cases.conftest import (
    CASE_TOKENS,
    DISPATCHER,
    INSPECTOR,
    INSPECTOR_B,
    OPERATOR,
    PUBLIC,
    SANITATION,
    SUPERVISOR,
)
from tests.cases.kit import (
    IN_CITY,
    act,
    call,
    png,
    report,
    send,
    stand,
    upload,
    walk,
    yesterday_at,
)
from tests.serverkit import RunningServer, running_server

T0 = yesterday_at(10)


@pytest.fixture
async def srv(tmp_path: Path, database: str | None) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, tokens=CASE_TOKENS, database=database,
                              server={"clock": "data"}) as running:
        yield running


async def handled_case(srv: RunningServer) -> dict[str, Any]:
    case = await report(srv, INSPECTOR, photos=[await upload(srv, INSPECTOR, png(5))])
    for token, action, extra in ((OPERATOR, "accept", {}), (OPERATOR, "open", {}),
                                 (DISPATCHER, "dispatch", {}),
                                 (SANITATION, "handle",
                                  {"photos": [await upload(srv, SANITATION, png(6))]})):
        status, case = await act(srv, token, case, action, **extra)
        assert status == 200, case
    return case


async def test_check_with_and_without_presence(srv: RunningServer) -> None:
    # p-g1-a walks road g1-m01 (past the case spot); p-g1-b stands at it for 3 minutes later.
    await send(srv, walk(srv, "p-g1-a", "g1-m01", T0))
    await send(srv, stand("p-g1-b", IN_CITY[0], IN_CITY[1], T0 + 700, 180))
    case = await handled_case(srv)
    status, checked = await act(srv, INSPECTOR_B, case, "check", passed=True)
    assert status == 200 and checked["check"]["presence"] == "present"
    status, full = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{case['id']}")
    proof = full["log"][-1]["details"]
    assert proof["presence"] == "present" and proof["stayed_s"] >= 120
    assert proof["closest_m"] < 5
    # walking past is not a stay: a check by p-g1-a is flagged as done from the desk
    case2 = await handled_case(srv)
    status, checked2 = await act(srv, INSPECTOR, case2, "check", passed=False)
    assert status == 200 and checked2["check"]["presence"] == "desk"
    status, closed = await act(srv, OPERATOR, checked2, "close")
    assert status == 422 and closed["field"] == "state"  # the check failed: rework
    status, back = await act(srv, OPERATOR, checked2, "rework", reason="垃圾未清理干净")
    assert status == 200 and back["state"] == "dispatched" and back["rework_count"] == 1


async def test_hotline_case_counts_missed_report_against_who_passed(
        srv: RunningServer) -> None:
    await send(srv, walk(srv, "p-g1-a", "g1-m01", T0))
    status, hot = await call(srv, OPERATOR, "POST", "/api/v1/cases", {
        "source": "hotline", "class": "E0102", "lon": IN_CITY[0], "lat": IN_CITY[1],
        "caller": "市民 138****0000"})
    assert status == 201 and hot["source"] == "hotline"
    day = hot["created_ts"]
    from datetime import datetime
    from zoneinfo import ZoneInfo
    date = datetime.fromtimestamp(day, ZoneInfo("Asia/Shanghai")).date().isoformat()
    status, table = await call(srv, SUPERVISOR, "GET",
                               f"/api/v1/cases/evaluation?dimension=inspector&period=day"
                               f"&date={date}")
    assert status == 200, table
    rows = {r["id"]: r for r in table["rows"]}
    assert rows["p-g1-a"]["missed"] == 1
    # once p-g1-a has reported there, the next hotline case there is not held against it
    await report(srv, INSPECTOR)
    status, _ = await call(srv, OPERATOR, "POST", "/api/v1/cases", {
        "source": "hotline", "class": "E0104", "lon": IN_CITY[0], "lat": IN_CITY[1]})
    assert status == 201
    status, table = await call(srv, SUPERVISOR, "GET",
                               f"/api/v1/cases/evaluation?dimension=inspector&period=day"
                               f"&date={date}")
    rows = {r["id"]: r for r in table["rows"]}
    assert rows["p-g1-a"]["missed"] == 1 and rows["p-g1-a"]["reports"] == 1
    assert "p-g1-b" not in rows  # never passed, never reported


async def test_every_spill_alert_opens_one_case_with_its_evidence(srv: RunningServer) -> None:
    await send(srv, walk(srv, "p-g1-a", "g1-m01", T0))
    alert = Alert("spill:camera:cam-01:1.000", "spill", T0 + 60, "critical",
                  {"camera": "cam-01"}, "摄像头 cam-01 发现车辆抛撒滴漏",
                  {"evidence": "ev-123", "box": [1, 2, 3, 4], "vehicle_track": 7,
                   "vehicle_box": [5, 6, 7, 8]})
    fanout = srv.memory.fanout
    fanout.publish_one(AlertEvent(alert))
    fanout.publish_one(AlertEvent(alert))  # heard twice: still one case
    parts = srv.server.parts.cases
    assert isinstance(parts, CasesPart)  # the case loop in the test's process
    await parts.service.drain()
    status, found = await call(srv, SUPERVISOR, "GET", "/api/v1/cases?source=spill")
    assert status == 200 and found["total"] == 1
    case = found["cases"][0]
    assert case["class"] == "E0303" and case["state"] == "reported"
    assert case["evidence"]["camera"] == "cam-01" and case["evidence"]["evidence"] == "ev-123"
    assert case["evidence"]["vehicle_box"] == [5, 6, 7, 8]
    assert case["road"] == "g2-m03"  # the camera's road
    assert parts.service.spill_failures == 0


async def test_coverage_gap_alert_opens_a_case_on_the_grids_inspector(
        srv: RunningServer) -> None:
    await send(srv, walk(srv, "p-g1-a", "g1-m01", T0))
    await send(srv, stand("p-g1-a", IN_CITY[0], IN_CITY[1], yesterday_at(17), 20))
    gap = None
    for _ in range(100):  # the road rules run on the next tick ([live] tick_s)
        status, alerts = await call(srv, SUPERVISOR, "GET", "/api/v1/alerts")
        gap = next((a for a in alerts if a["type"] in ("coverage_behind", "road_unvisited")
                    and a["subject"].get("road", "").startswith("g3-")), None)
        if gap is not None:
            break
        await asyncio.sleep(0.1)
    assert gap is not None
    status, case = await call(srv, OPERATOR, "POST", "/api/v1/cases/from-alert",
                              {"alert": gap["id"]})
    assert status == 201, case
    assert case["class"] == "E0601" and case["grid"] == "g3"
    assert case["assignee"] == "p-g3-a" and case["suggested_department"] == "patrol"
    status, again = await call(srv, OPERATOR, "POST", "/api/v1/cases/from-alert",
                               {"alert": gap["id"]})
    assert status == 200 and again["id"] == case["id"]
    status, _ = await call(srv, OPERATOR, "POST", "/api/v1/cases/from-alert",
                           {"alert": "no-such-alert"})
    assert status == 404


async def test_camera_capture_on_the_operators_click(srv: RunningServer) -> None:
    status, case = await call(srv, OPERATOR, "POST", "/api/v1/cases", {
        "source": "camera", "camera": "cam-01", "evidence": "ev-9", "class": "E0501",
        "lon": IN_CITY[0], "lat": IN_CITY[1]})
    assert status == 201 and case["evidence"] == {"camera": "cam-01", "evidence": "ev-9"}
    status, body = await call(srv, OPERATOR, "POST", "/api/v1/cases", {
        "source": "camera", "camera": "cam-99", "class": "E0501",
        "lon": IN_CITY[0], "lat": IN_CITY[1]})
    assert status == 422 and body["field"] == "camera"


async def test_open311_feeds_the_hotline_channel(srv: RunningServer) -> None:
    import aiohttp
    async with aiohttp.ClientSession(srv.base) as http:
        async with http.get("/open311/v2/services.json",
                            params={"api_key": PUBLIC}) as resp:
            services = await resp.json()
            assert resp.status == 200
            assert {"service_code": "E0102"}.items() <= next(
                s for s in services if s["service_code"] == "E0102").items()
        async with http.get("/open311/v2/services.json", params={"api_key": OPERATOR}) as r2:
            assert r2.status == 403
        form = {"api_key": PUBLIC, "service_code": "E0201", "lat": str(IN_CITY[1]),
                "long": str(IN_CITY[0]), "description": "电线杆上小广告",
                "address_string": "滨河路"}
        async with http.post("/open311/v2/requests.json", data=form) as resp:
            assert resp.status == 201
            (made,) = await resp.json()
        rid = made["service_request_id"]
        async with http.get(f"/open311/v2/requests/{rid}.json",
                            params={"api_key": PUBLIC}) as resp:
            (got,) = await resp.json()
            assert got["status"] == "open" and got["service_code"] == "E0201"
            assert got["description"] == "电线杆上小广告"
        async with http.post("/open311/v2/requests.json",
                             data={**form, "service_code": "X"}) as resp:
            assert resp.status == 422
        async with http.post("/open311/v2/requests.json",
                             data={**form, "lat": "50", "long": "10"}) as resp:
            assert resp.status == 422
    status, case = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{rid}")
    assert status == 200 and case["source"] == "open311" and case["state"] == "reported"
    # a case that did not come through Open311 is not the public's to read
    inside = await report(srv, INSPECTOR)
    async with aiohttp.ClientSession(srv.base) as http, http.get(
            f"/open311/v2/requests/{inside['id']}.json", params={"api_key": PUBLIC}) as resp:
        assert resp.status == 404
