"""VideoService end to end: worker processes, pushed frames, alerts, evidence, bad input."""

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bus.health import Health
from config import testfaults
from geofence.model import Camera
from metrics.registry import Metrics
from model.clock import ManualClock
from model.events import AlertEvent, CameraEvent, ClearedEvent
from simulator.cameras.scene import Scene
from store.deadletter import DeadLetter
from video.config import VideoConfig
from video.service import BadFrame, FrameTooLarge, UnknownCamera, VideoService

CAMERAS = [Camera("push-1", "Gate", "push", None, None),
           Camera("pull-1", "Dead", "http://127.0.0.1:9/none.mjpg", None, None)]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[VideoService, list[Any]]]:
    got: list[Any] = []
    config = VideoConfig(workers=2, offline_after_s=0.5, reconnect_min_s=0.1,
                         reconnect_max_s=0.2, max_frame_bytes=5 << 20)
    svc = VideoService(CAMERAS, config, tmp_path / "evidence", got.append, ManualClock(5000.0))
    await svc.start()
    yield svc, got
    await svc.stop()


async def until(check: Callable[[], Any], limit: float = 60.0) -> Any:
    """Poll for an outcome (worker processes report asynchronously); fail after `limit`."""
    async with asyncio.timeout(limit):
        while True:
            result = check()
            if result:
                return result
            await asyncio.sleep(0.05)


async def push_scene(svc: VideoService, seed: int, start: float) -> None:
    for ts, jpeg in Scene.make(seed, 640, 360, start_ts=start).frames():
        for _ in range(1000):  # the worker is behind: wait, as a pacing camera would
            if svc.push_frame("push-1", jpeg, ts):
                break
            await asyncio.sleep(0.02)


async def test_spill_alert_with_evidence(service: tuple[VideoService, list[Any]]) -> None:
    svc, got = service
    await push_scene(svc, 27, 1.7e9)
    alert = await until(lambda: next((e for e in got if isinstance(e, AlertEvent)
                                      and e.alert.type == "spill"), None))
    assert alert.alert.subject == {"camera": "push-1"}
    assert alert.alert.severity == "critical"
    eid = alert.alert.details["evidence"]
    manifest = await until(lambda: _manifest(svc, eid))
    assert not manifest["tampered"]
    assert svc.evidence_file(eid, "clip.mp4").is_file()
    assert [e["id"] for e in svc.list_evidence("push-1")] == [eid]
    events = [e for e in got if isinstance(e, CameraEvent)]
    assert {"motion", "vehicle", "spill"} <= {e.kind for e in events}


def _manifest(svc: VideoService, eid: str) -> dict[str, Any] | None:
    try:
        return svc.evidence_manifest(eid)
    except KeyError:
        return None


async def test_dead_source_raises_camera_offline(service: tuple[VideoService, list[Any]]) -> None:
    _, got = service
    alert = await until(lambda: next((e for e in got if isinstance(e, AlertEvent)
                                      and e.alert.type == "camera_offline"), None))
    assert alert.alert.subject == {"camera": "pull-1"}
    assert not any(isinstance(e, ClearedEvent) for e in got)


async def test_bad_input_gets_a_clear_answer(service: tuple[VideoService, list[Any]]) -> None:
    svc, got = service
    good = next(iter(Scene.make(1, 320, 180).frames()))[1]
    with pytest.raises(UnknownCamera):
        svc.push_frame("nope", good, 1.0)
    with pytest.raises(BadFrame, match="empty"):
        svc.push_frame("push-1", b"", 1.0)
    with pytest.raises(BadFrame, match="truncated"):
        svc.push_frame("push-1", good[: len(good) // 2], 1.0)
    with pytest.raises(BadFrame, match="not a JPEG"):
        svc.push_frame("push-1", b"<html>" * 100, 1.0)
    with pytest.raises(FrameTooLarge):
        svc.push_frame("push-1", b"\xff\xd8" + b"\0" * (50 << 20), 1.0)
    with pytest.raises(BadFrame, match="pulled"):
        svc.push_frame("pull-1", good, 1.0)
    with pytest.raises(KeyError):
        svc.evidence_manifest("../../etc/passwd")
    # Bytes that pass the header check but not the decoder reach the worker, which goes on.
    for i, body in enumerate([good[:600] + bytes(len(good) - 602) + b"\xff\xd9",
                              good[: len(good) // 3] + b"\xff\xd9",
                              good[:400] + b"\xff\xd9"]):
        assert svc.push_frame("push-1", body, 1.0 + i)
    await push_scene(svc, 27, 1.7e9)
    await until(lambda: any(isinstance(e, CameraEvent) and e.kind == "vehicle" for e in got))


async def test_killed_worker_is_restarted(service: tuple[VideoService, list[Any]]) -> None:
    svc, got = service
    before = set(svc.worker_pids())
    victim = svc._owner["push-1"].process.pid
    os.kill(victim, signal.SIGKILL)
    await until(lambda: victim not in svc.worker_pids() and len(svc.worker_pids()) == 2)
    assert set(svc.worker_pids()) != before
    await push_scene(svc, 27, 1.8e9)
    await until(lambda: any(isinstance(e, CameraEvent) and e.ts >= 1.8e9 for e in got))


async def test_a_poison_frame_is_dead_lettered_and_a_dead_worker_shows_in_health(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A frame whose analysis raises comes back as a dead letter with its bytes and the
    camera goes on; a worker killed with kill -9 makes /healthz degraded until it runs again
    (and for health_hold_s after), and the restart is counted."""
    monkeypatch.setenv(testfaults.ENV, "poison-frame")  # the worker processes inherit it
    metrics = Metrics()
    health = Health(metrics, hold_s=0.5)
    dead: list[tuple[DeadLetter, bytes | None]] = []
    got: list[Any] = []
    svc = VideoService(CAMERAS[:1], VideoConfig(workers=1), tmp_path / "evidence", got.append,
                       ManualClock(5000.0), health, lambda letter, jpeg: dead.append((letter,
                                                                                   jpeg)))
    await svc.start()
    try:
        frames = list(Scene.make(27, 640, 360, start_ts=1.7e9).frames())
        poison = frames[3][1]
        assert svc.push_frame("push-1", poison, 1.7e9 + 0.666)
        letter, jpeg = await until(lambda: dead[0] if dead else None)
        assert (letter.worker, letter.stage, letter.reason) == ("video", "analysis",
                                                                "RuntimeError")
        assert letter.input == {"camera": "push-1", "ts": 1.7e9 + 0.666, "bytes": len(poison)}
        assert jpeg == poison
        await push_scene(svc, 27, 1.7e9 + 1)  # the camera goes on
        await until(lambda: any(isinstance(e, CameraEvent) and e.kind == "vehicle"
                                for e in got))
        # Every frame it accepted is analysed or dead-lettered: none taken and dropped.
        counts = metrics.video_frames

        def accounted() -> bool:
            return bool(counts.labels("accepted")._value.get() ==
                        counts.labels("analysed")._value.get()
                        + counts.labels("dead")._value.get())

        await until(accounted)

        os.kill(svc.worker_pids()[0], signal.SIGKILL)
        status = await until(lambda: (s := health.status())["status"] == "degraded" and s)
        assert any(r.startswith("video worker 0: died (exit code -9)") for r in status["reasons"])
        await until(lambda: health.status()["status"] == "ok")
        assert metrics.worker_restarts.labels("video worker 0")._value.get() == 1
        assert accounted()
        assert counts.labels("dead")._value.get() == 1
        assert counts.labels("lost")._value.get() == 0
    finally:
        await svc.stop()
