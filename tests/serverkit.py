"""Start the real server in-process on free loopback ports, for end-to-end tests.

    async with running_server(tmp_path) as srv:
        async with srv.http() as http: ...
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from config.server import Config
from gateway.connections import ConnectionGate
from gateway.jt808_server import Jt808Server
from gateway.osmand_server import OsmandServer
from geofence.city import load_city
from server import DEMO_CITY, MemoryParts, Server
from tracking.engine import Tracker

TOKENS = {
    "device-token-0001": "device",
    "supervisor-token-01": "supervisor",
    "admin-token-000001": "admin",
}
DEVICE, SUPERVISOR, ADMIN = TOKENS


@dataclass
class RunningServer:
    server: Server
    base: str

    def headers(self, token: str = SUPERVISOR) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def http(self, token: str = SUPERVISOR) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(self.base, headers=self.headers(token))

    def ws_url(self, path: str, token: str | None = None) -> str:
        url = self.base.replace("http://", "ws://") + path
        return f"{url}?token={token}" if token else url

    @property
    def memory(self) -> MemoryParts:
        parts = self.server.parts
        assert isinstance(parts, MemoryParts)
        return parts

    @property
    def osmand(self) -> OsmandServer:
        listener = self.server.parts.osmand
        assert listener is not None, "[osmand] enabled = false"
        return listener

    @property
    def jt808(self) -> Jt808Server:
        listener = self.server.parts.jt808
        assert listener is not None, "[jt808] enabled = false"
        return listener

    @property
    def gate(self) -> ConnectionGate:
        gate = self.server.parts.gate
        assert gate is not None
        return gate

    @property
    def tracker(self) -> Tracker:
        return self.memory.tracker

    async def settle(self) -> None:
        """Wait until every accepted position has been tracked."""
        await self.memory.pipeline.drain()


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    raw: dict[str, Any] = {
        "server": {"port": 0, "data_dir": str(tmp_path / "data")},
        "osmand": {"port": 0}, "jt808": {"port": 0},
        # The case loop in the test's own process (its child process: tests/cases/test_apart.py)
        "cases": {"process": "in"},
    }
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values}
    return Config.model_validate(raw)


@contextlib.asynccontextmanager
async def running_server(tmp_path: Path, city: Path = DEMO_CITY, tokens: dict[str, str] | None
                         = None, database: str | None = None,
                         **sections: dict[str, Any]) -> AsyncIterator[RunningServer]:
    """database: the case loop's (default: SQLite in tmp_path's data folder)."""
    cfg = make_config(tmp_path, **sections)
    server = Server(cfg, load_city(city), dict(tokens or TOKENS), database=database,
                    city_dir=city)
    await server.start()
    try:
        yield RunningServer(server, f"http://127.0.0.1:{server.port}")
    finally:
        await server.stop()
