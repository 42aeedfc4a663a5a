"""The replay tool against real listeners on loopback."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC
from pathlib import Path

import pytest

from config.protocols import Jt808Config, OsmandConfig
from gateway import jt808_encoder as enc
from gateway.jt808_messages import Location
from gateway.jt808_server import Jt808Server
from gateway.osmand_server import OsmandServer
from gateway.replay import osmand_url, replay_jt808
from model.clock import ManualClock
from model.position import Position
from model.timewindow import TimeWindow

PHONE = "013833501744"
# The captured traffic is from 2023: a window around it.
WINDOW = TimeWindow(ManualClock(1.7e9 + 60), 300, 30, wall=ManualClock(1.7e9 + 60))


async def test_jt808_file_replayed_with_answers(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    got: list[Position] = []

    async def sink(positions: list[Position]) -> None:
        got.extend(positions)

    srv = Jt808Server(Jt808Config(port=0, terminals={PHONE: "truck-07"}), sink, lambda d: True,
                      window=WINDOW)
    await srv.start()
    fix = Location(0, 2, 30.0, 104.0, 0, 20.0, 45, 1.7e9)
    frames = [enc.register(PHONE, 1), enc.location(PHONE, 2, fix, UTC)]
    file = tmp_path / "frames.hex"
    file.write_text("# a captured session\n" + "\n".join(f.hex(" ") for f in frames)
                    + "\n\nzz not hex\n7e0200000000007e  # too short to be a message: no answer\n")
    try:
        status = await replay_jt808(f"127.0.0.1:{srv.port}", file, wait_s=0.3)
    finally:
        await srv.stop()
    out = capsys.readouterr().out
    assert "0x8100 to serial 1: result 0, auth code" in out
    assert "0x8001 to serial 2 id 0x0200: result 0" in out
    assert "not hex, skipped" in out and "no answer" in out
    assert status == 1 and len(got) == 1 and got[0].device == "truck-07"


def test_osmand_lines_become_urls() -> None:
    assert osmand_url("http://h:5055", "id=1&lat=2") == "http://h:5055/?id=1&lat=2"
    assert osmand_url("http://h:5055/", "/?id=1") == "http://h:5055/?id=1"
    assert osmand_url("http://h:5055", "http://other/?id=1") == "http://other/?id=1"


async def test_osmand_command_line(tmp_path: Path) -> None:
    got: list[Position] = []

    async def sink(positions: list[Position]) -> None:
        got.extend(positions)

    srv = OsmandServer(OsmandConfig(port=0), sink, known=lambda d: d == "insp-1", window=WINDOW)
    await srv.start()
    file = tmp_path / "urls.txt"
    file.write_text("id=insp-1&lat=30.1&lon=104.2&timestamp=1700000000\n"
                    "/?id=nobody&lat=1&lon=2&timestamp=1700000000  # unknown: 404\n")
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.replay", "--osmand", f"http://127.0.0.1:{srv.port}",
            str(file), stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[2])
        out, _ = await proc.communicate()
    finally:
        await srv.stop()
    text = out.decode()
    assert "-> 200" in text and "-> 404 unknown device 'nobody'" in text
    assert proc.returncode == 1 and [p.lat for p in got] == [30.1]
