"""Cameras through the real server: pushed frames, bad frames, a spill with its evidence."""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from server import DEMO_CITY
from simulator.cameras.scene import Scene
from tests.serverkit import DEVICE, SUPERVISOR, RunningServer, running_server

CAMERA = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "geometry": {"type": "Point", "coordinates": [116.9, 36.6]},
    "properties": {"id": "gate-1", "name": "东门 <b>", "source": "push"}}]}


@pytest.fixture
async def cam_srv(tmp_path: Path) -> AsyncIterator[RunningServer]:
    city = tmp_path / "city"
    shutil.copytree(DEMO_CITY, city)
    (city / "cameras.geojson").write_text(orjson.dumps(CAMERA).decode(), encoding="utf-8")
    async with running_server(tmp_path, city=city) as srv:
        yield srv


def frame_url(camera: str = "gate-1") -> str:
    return f"/api/v1/cameras/{camera}/frames"


async def test_bad_frames_get_clear_answers(cam_srv: RunningServer) -> None:
    jpeg = next(iter(Scene.make(3, 320, 180).frames()))[1]
    async with cam_srv.http(DEVICE) as http:
        cases: list[tuple[str, bytes, str, int]] = [
            (frame_url("nope"), jpeg, "image/jpeg", 404),
            (frame_url(), jpeg, "text/plain", 415),
            (frame_url(), b"", "image/jpeg", 400),
            (frame_url(), b"\xff\xd8\xff\xe0garbage", "image/jpeg", 400),
            (frame_url(), jpeg[: len(jpeg) // 3], "image/jpeg", 400),
        ]
        for url, body, ctype, status in cases:
            async with http.post(url, data=body, headers={"Content-Type": ctype}) as resp:
                assert resp.status == status, (url, ctype, len(body))
                assert "error" in await resp.json()
        big = io.BytesIO(b"\xff\xd8" + b"\0" * (50 << 20))
        async with http.post(frame_url(), data=big,
                             headers={"Content-Type": "image/jpeg"}) as resp:
            assert resp.status == 413
        async with http.post(frame_url(), data=jpeg, headers={
                "Content-Type": "image/jpeg", "X-Frame-Time": "soon"}) as resp:
            assert resp.status == 400
        async with http.post(frame_url(), data=jpeg, headers={
                "Content-Type": "image/jpeg", "X-Frame-Time": "1790000000.5"}) as resp:
            assert resp.status == 200  # the worker survived all of the above
    async with cam_srv.http() as http, http.get("/api/v1/cameras") as resp:
        assert [c["id"] for c in await resp.json()] == ["gate-1"]


async def push_scene(srv: RunningServer, scene: Scene) -> None:
    await push_frames(srv.base, scene)


async def push_frames(base: str, scene: Scene) -> None:
    async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {DEVICE}"}) as http:
        for ts, jpeg in scene.frames():
            while True:  # 503: the analysis is behind; a pacing camera sends again later
                async with http.post(frame_url(), data=jpeg, headers={
                        "Content-Type": "image/jpeg", "X-Frame-Time": f"{ts:.3f}"}) as resp:
                    if resp.status != 503:
                        assert resp.status == 200
                        break
                await asyncio.sleep(0.02)


async def test_a_spill_reaches_the_live_feed_with_its_evidence(cam_srv: RunningServer) -> None:
    events: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(cam_srv.ws_url("/ws/live", SUPERVISOR)) as live:
        await live.send_str('{"subscribe": {"types": ["alert", "camera_event"]}}')
        assert orjson.loads((await live.receive()).data)["type"] == "subscribed"
        await push_scene(cam_srv, Scene.make(27, 640, 360, start_ts=1.79e9))
        async with asyncio.timeout(90):
            while not any(e["type"] == "alert" and e["alert_type"] == "spill" for e in events):
                events.append(orjson.loads((await live.receive()).data))
    spill = next(e for e in events if e["type"] == "alert" and e["alert_type"] == "spill")
    assert spill["subject"] == {"camera": "gate-1"} and spill["severity"] == "critical"
    assert {"motion", "vehicle"} <= {e["kind"] for e in events if e["type"] == "camera_event"}
    evidence = spill["details"]["evidence"]

    async with cam_srv.http() as http:
        async with asyncio.timeout(60):
            while True:
                async with http.get(f"/api/v1/evidence/{evidence}") as resp:
                    if resp.status == 200:
                        manifest = await resp.json()
                        break
                await asyncio.sleep(0.2)
        assert manifest["tampered"] is False and manifest["integrity"]["status"] == "valid"
        assert "clip.mp4" in manifest["files"] and manifest["clip"]["codec"] == "h264"
        for name, digest in list(manifest["files"].items())[:3]:
            async with http.get(f"/api/v1/evidence/{evidence}/{name}") as resp:
                assert resp.status == 200
                assert hashlib.sha256(await resp.read()).hexdigest() == digest
        for bad in ("../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "manifest.json.bak"):
            async with http.get(f"/api/v1/evidence/{evidence}/{bad}") as resp:
                assert resp.status == 404
        # Someone edits a file: the manifest no longer matches and says so.
        folder = Path(cam_srv.server.cfg.server.data_dir) / "evidence"
        clip = next(folder.rglob("clip.mp4"))
        clip.write_bytes(clip.read_bytes() + b"x")
        async with http.get(f"/api/v1/evidence/{evidence}") as resp:
            found = await resp.json()
        assert found["tampered"] is True and found["integrity"]["modified"] == ["clip.mp4"]
