"""A supervisor client that stops reading /ws/live is dropped once the events or bytes queued
for it pass their limits, in batch mode too (batch mode counted flushes, so a client that
never read was never dropped and its queue grew with the traffic)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.serverkit import DEVICE, running_server

DEVICES = 500


def batch(round_: int, t0: float) -> list[dict[str, Any]]:
    return [{"device": f"flood-{i}", "ts": t0 + round_, "lat": 36.6 + i * 1e-5, "lon": 116.9}
            for i in range(DEVICES)]


@pytest.mark.parametrize(("mode", "live"), [
    ("batch", {"client_queue": 1000}),  # dropped by events queued
    ("plain", {"client_queue": 10_000_000, "client_queue_bytes": 256 * 1024}),  # by bytes
])
async def test_a_client_that_never_reads_is_dropped(tmp_path: Path, mode: str,
                                                    live: dict[str, Any]) -> None:
    async with running_server(tmp_path, live=live, devices={"auto_register": True},
                              gateway={"max_positions_per_message": 10_000}) as srv:
        hub = srv.server.parts.hub
        async with aiohttp.ClientSession() as http, http.ws_connect(
                srv.ws_url("/ws/live", "supervisor-token-01"), max_msg_size=0) as ws:
            await ws.send_str(orjson.dumps({"subscribe": {"batch": mode == "batch"}}).decode())
            assert (await ws.receive_json())["type"] == "subscribed"
            # From here on the client reads nothing: its socket's buffers fill, then the
            # server's queue for it.
            t0 = time.time() - 3600
            async with srv.http(DEVICE) as post:
                for round_ in range(400):  # at most 200,000 positions
                    async with post.post("/api/v1/positions",
                                         json=batch(round_, t0)) as resp:
                        assert (await resp.json())["accepted"] == DEVICES
                    await srv.settle()
                    if hub.dropped_total:
                        break
            assert hub.dropped_total == 1
            # Reading again: the backlog it was sent, then why it was dropped, then the close.
            async with asyncio.timeout(30):
                last = None
                while (msg := await ws.receive()).type in (aiohttp.WSMsgType.TEXT,):
                    last = msg.data
                assert last is not None and "too slow" in last
                assert ws.close_code == 4008
