"""Evidence over HTTP: the public key, Range requests on clips, a signature check that never
stalls the event loop, and a server that refuses an unsafe key."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from tests.serverkit import DEVICE, RunningServer, running_server
from video import evidence
from video.evidence import EvidenceRequest
from video.signing import key_id, key_path, load, load_or_create, load_public

ROOT = Path(__file__).resolve().parents[2]


def request(ts: float, n: int = 10) -> EvidenceRequest:
    shots = [(ts + k * 0.2, cv2.imencode(".jpg", np.full((90, 160, 3), 20 * k, np.uint8))[1]
              .tobytes()) for k in range(n)]
    return EvidenceRequest("cam", "spill", ts, shots)


def write(srv: RunningServer, ts: float) -> tuple[Path, str]:
    root = Path(srv.server.cfg.server.data_dir) / "evidence"
    eid = evidence.new_id("cam", ts)
    evidence.write(root, eid, request(ts), "h264", load(key_path(root)))
    return root, eid


async def test_public_key_endpoint_checks_role_and_survives_a_restart(tmp_path: Path) -> None:
    async with running_server(tmp_path) as srv:
        async with srv.http(token="") as http, http.get("/api/v1/evidence/public-key") as resp:
            assert resp.status == 401
        async with srv.http(DEVICE) as http, http.get("/api/v1/evidence/public-key") as resp:
            assert resp.status == 403
        async with srv.http() as http, http.get("/api/v1/evidence/public-key") as resp:
            assert resp.status == 200
            info = await resp.json()
        _, eid = write(srv, 1.79e9)
        async with srv.http() as http, http.get(f"/api/v1/evidence/{eid}") as resp:
            manifest = await resp.json()
    (tmp_path / "pub.pem").write_text(info["pem"])
    assert key_id(load_public(tmp_path / "pub.pem")) == info["key_id"]
    assert manifest["signing_key"] == info["key_id"]
    assert manifest["integrity"] == {"status": "valid", "modified": [], "reasons": [],
                                     "key_id": info["key_id"]}
    async with running_server(tmp_path) as srv, srv.http() as http:
        async with http.get("/api/v1/evidence/public-key") as resp:
            assert (await resp.json())["key_id"] == info["key_id"]  # the key on disk, kept
        async with http.get(f"/api/v1/evidence/{eid}") as resp:
            assert (await resp.json())["integrity"]["status"] == "valid"


async def test_clip_answers_range_requests(tmp_path: Path) -> None:
    async with running_server(tmp_path) as srv, srv.http() as http:
        root, eid = write(srv, 1.79e9)
        data = (root / eid / "clip.mp4").read_bytes()
        url = f"/api/v1/evidence/{eid}/clip.mp4"
        async with http.get(url, headers={"Range": "bytes=100-299"}) as resp:
            assert resp.status == 206
            assert resp.headers["Content-Range"] == f"bytes 100-299/{len(data)}"
            assert resp.headers["Content-Type"] == "video/mp4"
            assert await resp.read() == data[100:300]
        async with http.get(url, headers={"Range": f"bytes={len(data) + 10}-"}) as resp:
            assert resp.status == 416
        for bad in ("clip.webm", "manifest.sig", "..%2Fevidence-signing.key"):
            async with http.get(f"/api/v1/evidence/{eid}/{bad}",
                                headers={"Range": "bytes=0-9"}) as resp:
                assert resp.status == 404


def open_by_us(path: Path) -> bool:
    """Whether this process (the in-process server) holds path open right now."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


async def test_a_long_check_leaves_the_loop_free(tmp_path: Path) -> None:
    """While a folder with a 1 GiB file is being hashed, /healthz is answered: the order of
    events shows it, no clock is read."""
    async with running_server(tmp_path) as srv, srv.http() as http:
        root, eid = write(srv, 1.79e9)
        big = (root / eid / "clip.mp4").resolve()
        os.truncate(big, 1 << 30)  # sparse: no disk used, still a gigabyte to hash

        async def manifest() -> dict[str, object]:
            async with http.get(f"/api/v1/evidence/{eid}") as resp:
                assert resp.status == 200
                result: dict[str, object] = await resp.json()
                return result

        check = asyncio.create_task(manifest())
        async with asyncio.timeout(60):
            while not open_by_us(big):  # the check is reading the big file now
                assert not check.done(), "the check ran to its end without the loop turning"
                await asyncio.sleep(0.001)
        async with http.get("/healthz") as resp:
            assert resp.status == 200
        assert open_by_us(big) and not check.done()  # healthz answered mid-check
        found = await check
        assert found["integrity"]["modified"] == ["clip.mp4"]  # type: ignore[index]


def test_server_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    load_or_create(key_path(data / "evidence"))
    os.chmod(key_path(data / "evidence"), 0o640)
    config = tmp_path / "gridwatch.toml"
    config.write_text(f'[server]\nport = 0\ndata_dir = "{data}"\n[osmand]\nport = 0\n'
                      "[jt808]\nport = 0\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "server.py"), "--config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "refused to start" in done.stderr and "mode 0640" in done.stderr
    assert f"chmod 600 {key_path(data / 'evidence')}" in done.stderr
