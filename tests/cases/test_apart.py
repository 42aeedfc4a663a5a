"""The case loop in a child process ([cases] process = "child"), over real sockets: actions
through the server's forwarded routes with the caller's token and role checked by the child,
live case events on the server's /ws/live, kill -9 of the child then recovery with no action
lost or applied twice, a spill alert while the child is down opening its case after the
restart, and /healthz saying all of it."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import orjson
import pytest

from cases.apart import CasesApart
from model.alert import Alert
from model.events import AlertEvent
from tests.cases.conftest import (
    CASE_TOKENS,
    DISPATCHER,
    ENFORCEMENT,
    INSPECTOR,
    INSPECTOR_B,
    OPERATOR,
    PUBLIC,
    SANITATION,
    SUPERVISOR,
)
from tests.cases.kit import IN_CITY, act, call, png, report, send, stand, upload, walk
from tests.cases.test_sources import T0, handled_case
from tests.serverkit import RunningServer, running_server


@pytest.fixture
async def apart(tmp_path: Path, database: str | None) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, tokens=CASE_TOKENS, database=database,
                              cases={"process": "child"}) as running:
        yield running


@pytest.fixture
async def apart_sqlite(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, tokens=CASE_TOKENS,
                              cases={"process": "child"}) as running:
        yield running


async def health(srv: RunningServer) -> dict[str, Any]:
    status, body = await call(srv, SUPERVISOR, "GET", "/healthz")
    assert status == 200, body
    return dict(body)


async def until_up(srv: RunningServer, restarts: int) -> dict[str, Any]:
    """/healthz once the child has come back (restarted `restarts` times in all)."""
    async with asyncio.timeout(90):
        while True:
            cases = (await health(srv))["cases"]
            if cases["state"] == "up" and cases["restarts"] >= restarts:
                return dict(cases)
            await asyncio.sleep(0.1)


async def kill_child(srv: RunningServer) -> int:
    """kill -9 the child; returns once the server has seen it go."""
    cases = (await health(srv))["cases"]
    os.kill(cases["pid"], signal.SIGKILL)
    async with asyncio.timeout(30):
        while True:
            now = (await health(srv))["cases"]
            if now["pid"] != cases["pid"] or now["state"] != "up":
                break
            await asyncio.sleep(0.02)
    return int(cases["restarts"])


async def test_actions_through_the_child_with_token_and_role_checked(
        apart: RunningServer) -> None:
    cases = (await health(apart))["cases"]
    assert (cases["process"], cases["state"], cases["restarts"]) == ("child", "up", 0)
    assert isinstance(apart.server.parts.cases, CasesApart)
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(apart.ws_url("/ws/live", SUPERVISOR)) as ws:
        await ws.send_str('{"subscribe": {"types": ["case"]}}')
        assert orjson.loads((await ws.receive(timeout=5.0)).data)["type"] == "subscribed"
        case = await report(apart, INSPECTOR)
        event = orjson.loads((await ws.receive(timeout=10.0)).data)  # came over the link
        assert (event["type"], event["id"], event["state"]) == ("case", case["id"], "reported")
    status, body = await act(apart, INSPECTOR, case, "accept")
    assert status == 403, body  # the child checks the role
    async with aiohttp.ClientSession(apart.base) as http, http.post(
            f"/api/v1/cases/{case['id']}/actions", json={"action": "accept", "version": 1}
            ) as resp:
        assert resp.status == 401  # and the token
    for token, action, fields in ((OPERATOR, "accept", {}), (OPERATOR, "open", {}),
                                  (DISPATCHER, "dispatch", {"department": "sanitation"})):
        status, case = await act(apart, token, case, action, **fields)
        assert status == 200, case
    status, stale = await act(apart, OPERATOR, {**case, "version": 2}, "void", reason="x")
    assert status == 409 and stale["allowed"] == ["extend", "park"]
    status, _ = await call(apart, ENFORCEMENT, "GET", f"/api/v1/cases/{case['id']}")
    assert status == 404  # another department's case
    sha = await upload(apart, SANITATION, png(3))
    status, case = await act(apart, SANITATION, case, "handle", photos=[sha])
    assert status == 200 and case["state"] == "handled"
    async with aiohttp.ClientSession(apart.base, headers=apart.headers(SANITATION)) as http, \
            http.get(f"/api/v1/cases/photos/{sha}") as resp:
        assert resp.status == 200 and resp.content_type == "image/png"
        assert (await resp.read())[:4] == b"\x89PNG"
    status, full = await call(apart, SUPERVISOR, "GET", f"/api/v1/cases/{case['id']}")
    assert [line["action"] for line in full["log"]] == [
        "report", "accept", "open", "dispatch", "handle"]
    async with aiohttp.ClientSession(apart.base) as http, http.get(
            "/open311/v2/services.json", params={"api_key": PUBLIC}) as resp:
        assert resp.status == 200 and any(s["service_code"] == "E0201"
                                          for s in await resp.json())
    status, body = await call(apart, OPERATOR, "POST", "/api/v1/cases", {
        "class": "E0102", "lon": IN_CITY[0], "lat": IN_CITY[1], "source": "nowhere"})
    assert status == 422, body
    # The child's own port answers only the server (its link secret), whatever the token.
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{cases['port']}/api/v1/cases",
            headers={"Authorization": f"Bearer {SUPERVISOR}"}) as resp:
        assert resp.status == 403


EXTENDS = 12
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    (OPERATOR, "accept", {}), (OPERATOR, "open", {}),
    (DISPATCHER, "dispatch", {"department": "sanitation"}),
    *[(DISPATCHER, "extend", {"hours": 1, "reason": f"r{k}"}) for k in range(EXTENDS)]]


async def drive(srv: RunningServer, case: dict[str, Any], acked: list[int],
                answers: dict[int, int]) -> None:
    """accept, open, dispatch one case, then extend its limit again and again; on a lost
    answer read the case again and go on from where it is (an action that landed moved the
    version; one that did not is sent again)."""
    steps = STEPS
    async with asyncio.timeout(120):
        while case["version"] <= len(steps):
            token, action, fields = steps[case["version"] - 1]
            try:
                status, body = await act(srv, token, case, action, **fields)
            except aiohttp.ClientError:
                status, body = 599, None
            answers[status] = answers.get(status, 0) + 1
            if status == 200:
                acked.append(case["version"] + 1)  # the log line this action wrote
                case = body
                continue
            assert status in (503, 599, 409), body
            await asyncio.sleep(0.05)
            status, body = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{case['id']}")
            if status == 200:
                case = body


async def test_kill_9_of_the_child_loses_no_action_and_applies_none_twice(
        apart_sqlite: RunningServer) -> None:
    srv = apart_sqlite
    cases = [await report(srv, INSPECTOR) for _ in range(10)]
    acked: dict[int, list[int]] = {c["id"]: [] for c in cases}
    answers: dict[int, int] = {}
    drivers = [asyncio.create_task(drive(srv, c, acked[c["id"]], answers)) for c in cases]
    async with asyncio.timeout(60):
        while True:
            if answers.get(200, 0) >= 30:  # some actions have landed, most are to come
                break
            await asyncio.sleep(0.005)
    restarts = await kill_child(srv)
    status, body = await call(srv, OPERATOR, "GET", "/api/v1/cases")
    down = await health(srv)
    await asyncio.gather(*drivers)
    after = await until_up(srv, restarts + 1)
    # -9; asyncio says 255 when the exit status was collected before its watcher thread
    # asked (seen now and then on a loaded machine); never 0: the child did not stop itself
    assert after["last_exit"] in (-signal.SIGKILL, 255), after
    if down["cases"]["state"] != "up":  # the server saw the child gone before it was back
        assert status == 503 and "restarting" in body["error"], body
        assert down["status"] == "degraded", down
    now = await health(srv)
    assert now["status"] == "ok", now
    for c in cases:
        status, full = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{c['id']}")
        assert status == 200
        log = [line["action"] for line in full["log"]]
        # each action once, in order: an extend sent again after a lost answer wrote no
        # second line (its version had moved: 409) or was the first to land
        assert log == ["report", *[a for _, a, _ in STEPS]], log
        seqs = [line["seq"] for line in full["log"]]
        assert seqs == list(range(1, len(STEPS) + 2))
        reasons = [line["reason"] for line in full["log"] if line["action"] == "extend"]
        assert reasons == [f"r{k}" for k in range(EXTENDS)]
        assert full["version"] == len(STEPS) + 1 and full["state"] == "dispatched"
        assert set(acked[c["id"]]) <= set(seqs)  # every acknowledged action is there
    # the kill hit requests in flight
    assert answers.get(503, 0) + answers.get(599, 0) >= 1, answers


async def test_a_spill_while_the_child_is_down_opens_its_case_after_the_restart(
        apart_sqlite: RunningServer) -> None:
    srv = apart_sqlite
    restarts = await kill_child(srv)
    alert = Alert("spill:camera:cam-01:9.000", "spill", 1.0e9, "critical",
                  {"camera": "cam-01"}, "摄像头 cam-01 发现车辆抛撒滴漏",
                  {"evidence": "ev-9", "box": [1, 2, 3, 4], "vehicle_track": 7,
                   "vehicle_box": [5, 6, 7, 8]})
    srv.memory.fanout.publish_one(AlertEvent(alert))
    srv.memory.fanout.publish_one(AlertEvent(alert))  # heard twice: still one case
    queued = (await health(srv))["cases"]
    if queued["state"] != "up":
        assert queued["spills_queued"] == 1
    await until_up(srv, restarts + 1)
    async with asyncio.timeout(30):
        while True:
            status, found = await call(srv, SUPERVISOR, "GET", "/api/v1/cases?source=spill")
            assert status == 200
            if found["total"]:
                break
            await asyncio.sleep(0.1)
    assert found["total"] == 1
    case = found["cases"][0]
    assert case["class"] == "E0303" and case["evidence"]["evidence"] == "ev-9"
    async with asyncio.timeout(30):
        while True:
            if not (await health(srv))["cases"]["spills_queued"]:
                break
            await asyncio.sleep(0.1)


async def test_presence_and_missed_reports_ask_the_tracker_over_the_link(
        tmp_path: Path) -> None:
    """The data clock travels with each forwarded request; a check's track and a road's passes
    come from the server's tracker."""
    async with running_server(tmp_path, tokens=CASE_TOKENS, server={"clock": "data"},
                              cases={"process": "child"}) as srv:
        await send(srv, walk(srv, "p-g1-a", "g1-m01", T0))
        status, hot = await call(srv, OPERATOR, "POST", "/api/v1/cases", {
            "source": "hotline", "class": "E0102", "lon": IN_CITY[0], "lat": IN_CITY[1]})
        assert status == 201, hot
        assert hot["created_ts"] == pytest.approx(T0, abs=900)  # data time, not the wall's
        date = datetime.fromtimestamp(hot["created_ts"], ZoneInfo("Asia/Shanghai")).date()
        status, table = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/evaluation?"
                                   f"dimension=inspector&period=day&date={date.isoformat()}")
        assert status == 200, table
        rows = {r["id"]: r for r in table["rows"]}
        assert rows["p-g1-a"]["missed"] == 1  # it passed by without reporting
        await send(srv, stand("p-g1-b", IN_CITY[0], IN_CITY[1], T0 + 700, 180))
        case = await handled_case(srv)
        status, checked = await act(srv, INSPECTOR_B, case, "check", passed=True)
        assert status == 200 and checked["check"]["presence"] == "present", checked
