"""Connection floods against the real server (a small version of bench/chaos_cases/edges.py's
20,000): silent connections are closed after header_timeout_s, one address cannot hold more
than its cap on any listener, and at the process's cap a talking client evicts a silent one,
so a device and a supervisor keep being answered."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest

from gateway.connections import AcceptErrorLog
from tests.serverkit import RunningServer, running_server

ATTACKER = "127.0.0.2"


async def silent(port: int, count: int, source: str = ATTACKER
                 ) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    return [await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
            for _ in range(count)]


async def closed_by_server(conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
                           within: float = 10.0) -> int:
    """How many of the connections the server closed (EOF or reset) within `within` s."""
    async def one(reader: asyncio.StreamReader) -> bool:
        try:
            async with asyncio.timeout(within):
                while await reader.read(4096):
                    pass
            return True
        except TimeoutError:
            return False
        except ConnectionError:
            return True
    done = await asyncio.gather(*(one(r) for r, _ in conns))
    for _, w in conns:
        w.close()
    return sum(done)


async def healthz(srv: RunningServer) -> int:
    async with srv.http() as http, http.get("/healthz") as resp:
        return resp.status


async def test_per_address_cap_and_header_timeout(tmp_path: Path) -> None:
    limits = {"max_connections_per_address": 100, "header_timeout_s": 1.0}
    async with running_server(tmp_path, limits=limits) as srv:
        held = await silent(srv.server.port, 100)
        over = await silent(srv.server.port, 200)  # 300 in all from one address
        assert await closed_by_server(over, within=5) == 200  # at once, not after the timeout
        assert await healthz(srv) == 200  # another address is answered meanwhile
        jt808 = srv.jt808.port  # the cap is the process's, every listener
        assert await closed_by_server(await silent(jt808, 5), within=5) == 5
        assert await closed_by_server(held, within=10) == 100  # silent: header timeout
        again = await silent(srv.server.port, 1)
        again[0][1].write(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        async with asyncio.timeout(5):
            assert (await again[0][0].readline()).startswith(b"HTTP/1.1 401")
        again[0][1].close()
        counts = srv.server.parts.metrics.gateway_events
        assert counts.labels("listener", "refused_per_address")._value.get() >= 205
        assert counts.labels("listener", "header_timeout")._value.get() >= 100


async def test_at_the_process_cap_a_talking_client_evicts_a_silent_one(tmp_path: Path) -> None:
    limits = {"max_connections": 60, "max_connections_per_address": 0,
              "header_timeout_s": 60.0}
    async with running_server(tmp_path, limits=limits) as srv, aiohttp.ClientSession(
            srv.base) as device_http, device_http.ws_connect(
            srv.ws_url("/ws/device", "device-token-0001")) as ws:
        held = await silent(srv.server.port, 80)  # 20 over the cap
        for _ in range(3):  # the device's socket was never silent: never evicted
            await ws.send_str('{"device": "p-g1-a", "ts": 1, "lat": 0, "lon": 0}')
            assert "2000" in (await ws.receive_json())["rejected"][0]["error"]
            assert await healthz(srv) == 200  # a new connection at the cap gets in
        # 59 fit beside the device; each of the other 21 evicted the oldest silent one
        assert srv.gate.open <= 60
        assert await closed_by_server(held, within=2) >= 21


def test_accept_errors_are_logged_once_per_period(caplog: pytest.LogCaptureFixture) -> None:
    counted: list[str] = []
    handler = AcceptErrorLog(counted.append)
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.ERROR):
            for _ in range(10_000):
                handler(loop, {"message": "socket.accept() out of system resource",
                               "exception": OSError(24, "Too many open files")})
    finally:
        loop.close()
    assert len(counted) == 10_000
    assert len([r for r in caplog.records if "out of system resource" in r.getMessage()]) == 1
