"""The failure policy in one process (README, Failure policy): a position that makes tracking
raise is dead-lettered, counted and shown in /healthz, its neighbours are tracked, the server
goes on (it used to stop tracking silently: submit blocked, drain hung, /healthz said ok), and a
restart replaying the journal dead-letters the same position again and answers the same."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from config import testfaults
from model.events import CameraEvent, PositionEvent
from model.position import Position
from store.deadletter import DeadLetterJournal
from tests.e2e.test_queries import walk, yesterday_at
from tests.serverkit import DEVICE, SUPERVISOR, RunningServer, running_server

HOLD_S = 0.5  # [server] health_hold_s in these tests


async def post(srv: RunningServer, fixes: list[dict[str, Any]]) -> None:
    async with srv.http(DEVICE) as http, http.post("/api/v1/positions", json=fixes) as resp:
        assert resp.status == 200, await resp.text()
        answer = await resp.json()
        assert answer == {"accepted": len(fixes), "rejected": []}


async def health(srv: RunningServer) -> dict[str, Any]:
    async with srv.http(SUPERVISOR) as http, http.get("/healthz") as resp:
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body


async def health_turns(srv: RunningServer, status: str) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            body = await health(srv)
            if body["status"] == status:
                return body
            await asyncio.sleep(0.1)


async def tracked(srv: RunningServer, device: str, date: str, until: float) -> list[float]:
    """The device's track times, once every fix up to `until` is in it."""
    async with asyncio.timeout(30):
        while True:
            await srv.settle()
            times: list[float] = srv.tracker.track(device, date)["properties"]["times"]
            if times and times[-1] >= until:
                return times
            await asyncio.sleep(0.05)


async def test_a_poison_position_is_dead_lettered_the_rest_tracked_and_a_replay_agrees(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(testfaults.ENV, "poison-rule")
    config: dict[str, Any] = {"server": {"clock": "data", "health_hold_s": HOLD_S}}
    async with running_server(tmp_path, **config) as srv:
        device = srv.server.city.grids[0].inspectors[0]
        date, t0 = yesterday_at(10, srv.server.city.settings.timezone)
        fixes = walk(srv, 0, device, t0)[:60]
        fixes[30]["speed"] = testfaults.POISON_SPEED
        poison = fixes[30]["ts"]
        for start in range(0, 60, 20):
            await post(srv, fixes[start:start + 20])
        # Twenty seconds later: every fix above leaves the reorder window and is counted.
        await post(srv, [{**fixes[-1], "ts": fixes[-1]["ts"] + 20, "speed": 1.0}])
        times = await tracked(srv, device, date, fixes[-1]["ts"])
        assert [t for t in times if t <= fixes[-1]["ts"]] == \
            [f["ts"] for f in fixes if f["ts"] != poison]

        letters = DeadLetterJournal(tmp_path / "data" / "deadletter").read()
        assert [(x["worker"], x["stage"], x["reason"], x["input"]["ts"]) for x in letters] == \
            [("tracker", "DeviceRules", "RuntimeError", poison)]
        assert "test fault: poison position" in letters[0]["error"]
        body = await health(srv)
        assert body["status"] == "degraded"
        assert any("dead-lettered at DeviceRules" in r for r in body["reasons"])
        async with srv.http(SUPERVISOR) as http, http.get("/metrics") as resp:
            assert 'gridwatch_dead_letters_total{reason="RuntimeError",stage="DeviceRules",' \
                   'worker="tracker"} 1.0' in await resp.text()
        await health_turns(srv, "ok")  # it went on: ok again once the hold is over
        # More positions go on being tracked after it.
        await post(srv, [{**fixes[-1], "ts": fixes[-1]["ts"] + 40, "speed": 1.0}])
        await tracked(srv, device, date, fixes[-1]["ts"] + 20)
        before = (srv.tracker.track(device, date), srv.tracker.devices(),
                  srv.tracker.compliance(date))

    async with running_server(tmp_path, **config) as srv:  # the journal is replayed
        assert (srv.tracker.track(device, date), srv.tracker.devices(),
                srv.tracker.compliance(date)) == before
        assert len(DeadLetterJournal(tmp_path / "data" / "deadletter").read()) == 1


async def test_live_clients_get_every_event_but_one_that_cannot_be_encoded(
        tmp_path: Path) -> None:
    """An event that cannot be encoded is dead-lettered, the others of its batch go out; a
    client whose socket fails is dropped and reported, the other clients go on."""
    async with running_server(tmp_path, server={"health_hold_s": HOLD_S}) as srv, \
            aiohttp.ClientSession() as http:
        hub = srv.server.parts.hub
        url = srv.ws_url("/ws/live", SUPERVISOR)

        async def connect() -> tuple[aiohttp.ClientWebSocketResponse, Any]:
            before = set(hub.clients)
            ws = await http.ws_connect(url)
            async with asyncio.timeout(10):
                while True:
                    new = set(hub.clients) - before
                    if new:
                        return ws, new.pop()
                    await asyncio.sleep(0.02)

        good, _ = await connect()
        bad, failing = await connect()

        async def broken(text: str, compress: int | None = None) -> None:
            raise OSError("test fault: this client's socket fails")

        failing.ws.send_str = broken
        unencodable = CameraEvent("cam-1", "motion", 1.0, {"boxes": {1, 2}})  # a set
        srv.server.parts.fanout.publish([unencodable, PositionEvent(Position(
            "p-x", 2.0, 36.6, 116.9))])
        message = orjson.loads((await good.receive(timeout=5)).data)
        assert (message["type"], message["device"]) == ("position", "p-x")
        async with asyncio.timeout(10):
            while True:
                if failing not in hub.clients:
                    break
                await asyncio.sleep(0.02)
        assert hub.failed_total == 1
        srv.server.parts.fanout.publish([PositionEvent(Position("p-y", 3.0, 36.6, 116.9))])
        assert orjson.loads((await good.receive(timeout=5)).data)["device"] == "p-y"
        letters = DeadLetterJournal(tmp_path / "data" / "deadletter").read()
        assert [(x["worker"], x["stage"], x["reason"]) for x in letters] == \
            [("live", "encode", "TypeError")]
        reasons = (await health(srv))["reasons"]
        assert any(r.startswith("live: ") for r in reasons), reasons
        await good.close()
        await bad.close()
