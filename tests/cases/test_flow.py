"""The case flow over HTTP, on SQLite and PostgreSQL: the whole loop, illegal actions (409
with what is allowed), two operators at once, roles (403) and departments (404)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.cases.conftest import (
    DISPATCHER,
    ENFORCEMENT,
    INSPECTOR,
    INSPECTOR_B,
    OPERATOR,
    SANITATION,
    SUPERVISOR,
)
from tests.cases.kit import act, call, png, report, upload
from tests.serverkit import RunningServer


async def test_the_whole_loop(srv: RunningServer) -> None:
    sha = await upload(srv, INSPECTOR, png(1))
    case = await report(srv, INSPECTOR, photos=[sha])
    assert (case["state"], case["version"], case["reporter"]) == ("reported", 1, "p-g1-a")
    assert case["grid"] == "g1" and case["road"] is not None
    assert case["suggested_department"] == "sanitation"
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (OPERATOR, "accept", {}), (OPERATOR, "open", {}), (DISPATCHER, "dispatch", {}),
        (SANITATION, "handle", {"photos": [await upload(srv, SANITATION, png(2))]}),
        (INSPECTOR_B, "check", {"passed": True}), (OPERATOR, "close", {})]
    for token, action, extra in steps:
        status, case = await act(srv, token, case, action, **extra)
        assert status == 200, (action, case)
    assert case["state"] == "closed" and case["version"] == 7
    assert case["department"] == "sanitation" and case["handled_on_time"] is True
    status, full = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{case['id']}")
    assert status == 200
    assert [x["action"] for x in full["log"]] == ["report", "accept", "open", "dispatch",
                                                   "handle", "check", "close"]
    assert [x["seq"] for x in full["log"]] == list(range(1, 8))
    assert full["log"][0]["photos"] == [sha] and len(full["photos"]) == 2
    assert full["check"]["presence"] == "desk"  # the checking inspector sent no GPS


async def test_illegal_action_answers_409_with_the_allowed_ones(srv: RunningServer) -> None:
    case = await report(srv, INSPECTOR)
    status, body = await act(srv, OPERATOR, case, "close")
    assert status == 409
    assert body["state"] == "reported" and body["allowed"] == ["accept", "void"]
    status, body = await act(srv, DISPATCHER, case, "dispatch")
    assert status == 409 and body["allowed"] == []


async def test_two_operators_one_wins(srv: RunningServer) -> None:
    case = await report(srv, INSPECTOR)
    results = await asyncio.gather(act(srv, OPERATOR, case, "accept"),
                                   act(srv, OPERATOR, case, "void", reason="重复上报"))
    statuses = sorted(s for s, _ in results)
    assert statuses == [200, 409]
    status, full = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/{case['id']}")
    assert status == 200 and full["version"] == 2 and len(full["log"]) == 2


async def test_role_and_department_scope(srv: RunningServer) -> None:
    case = await report(srv, INSPECTOR)
    status, _ = await act(srv, INSPECTOR, case, "accept")
    assert status == 403
    for token, action in ((OPERATOR, "accept"), (OPERATOR, "open"), (DISPATCHER, "dispatch")):
        status, case = await act(srv, token, case, action)
        assert status == 200
    status, _ = await call(srv, ENFORCEMENT, "GET", f"/api/v1/cases/{case['id']}")
    assert status == 404
    status, _ = await act(srv, ENFORCEMENT, case, "handle", photos=[])
    assert status == 404
    status, mine = await call(srv, SANITATION, "GET", "/api/v1/cases")
    assert status == 200 and [c["id"] for c in mine["cases"]] == [case["id"]]
    status, theirs = await call(srv, ENFORCEMENT, "GET", "/api/v1/cases")
    assert theirs["cases"] == [] and theirs["total"] == 0
