"""The simulator's command line against the real server over loopback: day, load, sockets."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

from tests.serverkit import DEVICE, SUPERVISOR, RunningServer, running_server

ROOT = Path(__file__).resolve().parents[2]


async def simulator(srv: RunningServer, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--url", srv.base, "--device-token", DEVICE,
        "--supervisor-token", SUPERVISOR, *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    async with asyncio.timeout(240):
        out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


async def test_day_mode_replays_handsets_and_prints_the_compliance_table(tmp_path: Path) -> None:
    async with running_server(tmp_path, server={"clock": "data"}) as srv:
        code, out = await simulator(srv, "day", "--date", "2026-11-20", "--speed", "0",
                                    "--inspectors", "2", "--quiet")
        assert code == 0, out
        assert "rejected 0" in out
        assert "roads by status:" in out and "alerts:" in out
        devices = {d["device"] for d in srv.tracker.devices()}
        assert len(devices) == 2


async def test_load_mode_prints_throughput_and_latency(tmp_path: Path) -> None:
    async with running_server(tmp_path, devices={"auto_register": True}) as srv:
        code, out = await simulator(srv, "load", "--devices", "50", "--seconds", "20",
                                    "--batch", "10", "--connections", "5")
        assert code == 0, out
        result = orjson.loads(out.strip().splitlines()[-1])
        assert result["positions"] == 1000 and result["rejected"] == 0
        assert result["latency_samples"] == 100 and result["latency_ms_p99"] > 0


async def test_sockets_mode_holds_its_connections(tmp_path: Path) -> None:
    async with running_server(tmp_path, devices={"auto_register": True}) as srv:
        code, out = await simulator(srv, "sockets", "--count", "300", "--hold", "1")
        assert code == 0, out
        result = orjson.loads(out.strip().splitlines()[-1])
        assert result["opened"] == 300 and result["reported_twice"] == 300
