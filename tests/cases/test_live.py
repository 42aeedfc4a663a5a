"""Case events on /ws/live: every case created or moved, and each one that turns yellow or
red (the overdue sweep)."""

from __future__ import annotations

import aiohttp
import orjson

from cases.assemble import CasesPart
from tests.cases.conftest import OPERATOR, SUPERVISOR
from tests.cases.kit import act, report
from tests.serverkit import RunningServer


async def next_case(ws: aiohttp.ClientWebSocketResponse) -> dict[str, object]:
    msg = await ws.receive(timeout=5.0)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    event: dict[str, object] = orjson.loads(msg.data)
    assert event["type"] == "case"
    return event


async def test_case_events_and_overdue_colours(srv: RunningServer) -> None:
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(srv.ws_url("/ws/live", SUPERVISOR)) as ws:
        await ws.send_str('{"subscribe": {"types": ["case"]}}')
        assert orjson.loads((await ws.receive(timeout=5.0)).data)["type"] == "subscribed"
        case = await report(srv, "inspector-token-g1a")
        event = await next_case(ws)
        assert (event["id"], event["state"], event["grid"]) == (case["id"], "reported", "g1")
        for action, colour in (("accept", None), ("open", "green")):  # 立案 starts the clock
            status, case = await act(srv, OPERATOR, case, action)
            assert status == 200
            event = await next_case(ws)
            assert event["state"] == case["state"] and event["colour"] == colour
        parts = srv.server.parts.cases
        assert isinstance(parts, CasesPart)  # the case loop in the test's process
        due = case["clock"]["due_ts"]
        assert await parts.service.sweep(due - 1, due + 1) == 1
        event = await next_case(ws)
        assert event["id"] == case["id"] and event["colour"] == "red"
