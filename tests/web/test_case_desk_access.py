"""What the case desk's tokens (operator, dispatcher, department) may read for the page: who
they are, the city map, and on /ws/live only case events (a department only its own cases').
No patrol data: positions, alerts and the evidence list stay supervisors'."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cases.conftest import (
    CASE_TOKENS,
    DISPATCHER,
    INSPECTOR,
    OPERATOR,
    PUBLIC,
    SANITATION,
    SUPERVISOR,
)
from tests.cases.kit import act, report, send, stand
from tests.serverkit import DEVICE, RunningServer, running_server
from web.live import LIVE_TYPES, Scope, Subscription


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, tokens=CASE_TOKENS) as running:
        yield running


async def status_of(srv: RunningServer, token: str | None, path: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(srv.base) as http, http.get(path, headers=headers) as r:
        return r.status, await r.json() if r.content_type == "application/json" else None


async def test_whoami_city_and_evidence_by_role(srv: RunningServer) -> None:
    status, me = await status_of(srv, SANITATION, "/api/v1/whoami")
    assert status == 200
    assert (me["role"], me["base"], me["subject"], me["patrol"]) == \
        ("department:sanitation", "department", "sanitation", False)
    assert me["now"] > 0
    assert (await status_of(srv, SUPERVISOR, "/api/v1/whoami"))[1]["patrol"] is True
    assert (await status_of(srv, None, "/api/v1/whoami"))[0] == 401
    for token, want in ((OPERATOR, 200), (DISPATCHER, 200), (SANITATION, 200),
                        (INSPECTOR, 403), (PUBLIC, 403), (DEVICE, 403)):
        assert (await status_of(srv, token, "/api/v1/city"))[0] == want, token
    for path in ("/api/v1/devices", "/api/v1/alerts", "/api/v1/evidence", "/api/v1/page-config"):
        assert (await status_of(srv, OPERATOR, path))[0] == 403, path
    # One evidence folder by id (a spill case's): the desk that accepts the case may watch it.
    assert (await status_of(srv, OPERATOR, "/api/v1/evidence/spill-nothing"))[0] == 404
    assert (await status_of(srv, SANITATION, "/api/v1/evidence/spill-nothing"))[0] == 403


async def subscribed(ws: aiohttp.ClientWebSocketResponse, types: list[str]) -> dict[str, Any]:
    await ws.send_str(json.dumps({"subscribe": {"types": types}}))
    reply: dict[str, Any] = await ws.receive_json(timeout=5)
    assert reply["type"] == "subscribed"
    return reply


async def test_live_gives_the_desk_case_events_only(srv: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(srv.ws_url("/ws/live", OPERATOR)) as operator, \
            http.ws_connect(srv.ws_url("/ws/live", SANITATION)) as department:
        # Asking for more than the role may see gets what it may see.
        assert (await subscribed(operator, ["position", "alert", "case"]))["types"] == ["case"]
        assert (await subscribed(department, ["position", "case"]))["types"] == ["case"]
        # Positions go by: the desk never hears of them.
        await send(srv, stand("p-g1-a", 116.897648, 36.616138, time.time() - 60, 30))
        theirs = await report(srv, INSPECTOR, **{"class": "E0101"})  # enforcement's
        ev = await operator.receive_json(timeout=5)
        assert (ev["type"], ev["id"]) == ("case", theirs["id"])
        for token, action in ((OPERATOR, "accept"), (OPERATOR, "open"), (DISPATCHER, "dispatch")):
            status, theirs = await act(srv, token, theirs, action)
            assert status == 200
        mine = await report(srv, INSPECTOR)  # sanitation's once dispatched
        for token, action in ((OPERATOR, "accept"), (OPERATOR, "open"), (DISPATCHER, "dispatch")):
            status, mine = await act(srv, token, mine, action)
            assert status == 200
        ev = await department.receive_json(timeout=5)  # the first it hears of is its own
        assert (ev["id"], ev["state"], ev["department"]) == (mine["id"], "dispatched",
                                                             "sanitation")
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        async with aiohttp.ClientSession() as http:
            await http.ws_connect(srv.ws_url("/ws/live", INSPECTOR))
    assert info.value.status == 403


@given(st.one_of(st.none(), st.frozensets(st.sampled_from(sorted(LIVE_TYPES)))),
       st.sampled_from(["sanitation", "water", None]),
       st.one_of(st.none(), st.text(max_size=12), st.integers()))
def test_a_desk_scope_never_widens(asked: frozenset[str] | None, department: str | None,
                                   event_department: object) -> None:
    scope = Scope(frozenset({"case"}), "sanitation")
    sub = scope.narrow(Subscription(None, asked, True))
    assert sub.types is not None and sub.types <= {"case"}
    text = json.dumps({"type": "case", "id": 1, "department": event_department})
    assert scope.shows(text) == (event_department == "sanitation")
    assert not scope.shows("not json")
    assert Scope().narrow(Subscription(None, asked)).types == asked  # a supervisor: as asked
    assert Scope(frozenset({"case"}), department).shows(text) == (
        department is None or event_department == department)
