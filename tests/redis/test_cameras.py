"""Cameras on Redis: one gateway analyses video at a time and says so to frames sent to the
others; a spill's alert reaches the web process live, and its evidence is listed from the index
in Redis and served from the shared folder, hashes intact."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from server import DEMO_CITY
from simulator.cameras.scene import Scene
from tests.e2e.test_cameras import CAMERA, frame_url, push_frames
from tests.redis.cluster import LocalCluster
from tests.serverkit import DEVICE, SUPERVISOR
from video.signing import key_id, key_path, load

pytestmark = pytest.mark.slow


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def leader(cluster: LocalCluster) -> tuple[str, str]:
    """(leading gateway, the other one), once one holds the video lease."""
    async with aiohttp.ClientSession(headers=auth(SUPERVISOR)) as http, asyncio.timeout(30):
        while True:
            leading = []
            for url in cluster.gateway_urls:
                async with http.get(url + "/healthz") as resp:
                    leading.append((await resp.json())["video_leader"])
            if sum(leading) == 1:
                first = leading.index(True)
                return cluster.gateway_urls[first], cluster.gateway_urls[1 - first]
            await asyncio.sleep(0.1)


async def test_a_spill_on_redis_reaches_the_web_process_with_its_evidence(
        tmp_path: Path) -> None:
    city = tmp_path / "city"
    shutil.copytree(DEMO_CITY, city)
    (city / "cameras.geojson").write_text(orjson.dumps(CAMERA).decode(), encoding="utf-8")
    with LocalCluster(tmp_path, gateways=2, trackers=1, city=city) as cluster:
        lead, other = await leader(cluster)
        scene = Scene.make(27, 640, 360, start_ts=1.79e9)
        jpeg = next(iter(scene.frames()))[1]
        async with aiohttp.ClientSession(other, headers=auth(DEVICE)) as http, http.post(
                frame_url(), data=jpeg, headers={"Content-Type": "image/jpeg"}) as resp:
            assert resp.status == 503 and resp.headers["Retry-After"] == "1"
            assert "another gateway" in (await resp.json())["error"]
        events: list[dict[str, Any]] = []
        async with aiohttp.ClientSession() as http, http.ws_connect(
                cluster.web_url.replace("http", "ws") + f"/ws/live?token={SUPERVISOR}") as live:
            await live.send_str('{"subscribe": {"types": ["alert", "camera_event"]}}')
            assert orjson.loads((await live.receive()).data)["type"] == "subscribed"
            await push_frames(lead, scene)
            async with asyncio.timeout(90):
                while True:
                    events.append(orjson.loads((await live.receive()).data))
                    if events[-1]["type"] == "alert" and events[-1]["alert_type"] == "spill":
                        break
        spill = events[-1]
        assert spill["subject"] == {"camera": "gate-1"}
        assert {"motion", "vehicle"} <= {e["kind"] for e in events if e["type"] == "camera_event"}
        evidence = spill["details"]["evidence"]
        async with aiohttp.ClientSession(cluster.web_url, headers=auth(SUPERVISOR)) as http:
            async with asyncio.timeout(60):
                while True:
                    async with http.get("/api/v1/evidence", params={"camera": "gate-1"}) as resp:
                        listed = await resp.json()
                    if any(item["id"] == evidence for item in listed):
                        break
                    await asyncio.sleep(0.2)
            async with http.get(f"/api/v1/evidence/{evidence}") as resp:
                manifest = await resp.json()
            assert manifest["tampered"] is False
            # Signed by the leading gateway's worker, checked by the web process: one key,
            # the one in the shared data folder, whichever process made it first.
            async with http.get("/api/v1/evidence/public-key") as resp:
                public = await resp.json()
            assert manifest["integrity"]["status"] == "valid"
            assert manifest["signing_key"] == public["key_id"] == key_id(
                load(key_path(tmp_path / "data" / "evidence")).public_key())
            name, digest = next(iter(manifest["files"].items()))
            async with http.get(f"/api/v1/evidence/{evidence}/{name}") as resp:
                assert hashlib.sha256(await resp.read()).hexdigest() == digest
            async with http.get("/api/v1/alerts", params={"since": "0"}) as resp:
                assert "spill" in [a["type"] for a in await resp.json()]
