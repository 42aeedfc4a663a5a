"""What a newcomer meets first: conflicting settings refused with both keys, a busy protocol
port named with its setting (and the listeners can be switched off), and scripts/demo.sh
saying the server did not start instead of "demo is up"."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_startup_refusals import ROOT, start
from tests.serverkit import running_server


@pytest.mark.parametrize("section", ["osmand", "jt808"])
def test_auto_register_without_the_tracker_keeping_devices_is_refused(
        tmp_path: Path, section: str) -> None:
    config = tmp_path / "gridwatch.toml"
    config.write_text(f"[{section}]\nauto_register = true\n", encoding="utf-8")
    done = start("--config", str(config), "--port", "0")
    assert done.returncode == 2
    assert f"[{section}] auto_register" in done.stderr
    assert "[devices] auto_register" in done.stderr


def test_a_busy_protocol_port_is_named_with_its_setting(
        tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = tmp_path / "gridwatch.toml"
        config.write_text(f'[server]\ndata_dir = "{tmp_path}"\n[osmand]\nport = {port}\n',
                          encoding="utf-8")
        done = start("--config", str(config), "--port", "0")
        assert done.returncode == 2
        assert "OsmAnd listener" in done.stderr and "[osmand] port" in done.stderr
        assert f"127.0.0.1:{port}" in done.stderr


def test_demo_says_the_server_did_not_start_when_its_port_is_taken() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "PORT": str(port), "GRIDWATCH_SKIP_BROWSER": "1"}
        done = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "demo is up" not in done.stdout
    assert "did not start" in done.stderr and f"PORT={port + 1}" in done.stderr
    assert "HTTP port" in done.stderr  # the server's own reason, above the demo's


async def test_protocol_listeners_can_be_switched_off(tmp_path: Path) -> None:
    """A second server on the same machine needs only its own HTTP port."""
    off = {"enabled": False, "port": 5055}
    async with running_server(tmp_path, osmand=off, jt808={**off, "port": 6808}) as srv:
        assert srv.server.parts.osmand is None and srv.server.parts.jt808 is None
        async with srv.http() as http, http.get("/healthz") as resp:
            assert resp.status == 200
