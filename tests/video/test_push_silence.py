"""A pushed camera that stops sending goes offline (once it has sent), and online again at its
next frame; a camera that never pushed is not reported; the other cameras are not affected."""

import asyncio
from pathlib import Path
from typing import Any

from geofence.model import Camera
from model.clock import ManualClock
from model.events import AlertEvent, ClearedEvent
from simulator.cameras.scene import Scene
from video.config import VideoConfig
from video.pushwatch import PushWatch
from video.service import VideoService


def test_watch_reports_each_silence_once() -> None:
    now = [0.0]
    watch = PushWatch(2.0, lambda: now[0])
    assert watch.silent() == []
    watch.seen("a")
    watch.seen("b")
    now[0] = 1.5
    watch.seen("b")
    now[0] = 2.5
    assert watch.silent() == ["a"]
    assert watch.silent() == []
    now[0] = 3.6
    assert watch.silent() == ["b"]
    assert watch.seen("a") and not watch.seen("c")


async def test_a_stalled_pushed_camera_raises_camera_offline(tmp_path: Path) -> None:
    cameras = [Camera("push-1", "Gate", "push", None, None),
               Camera("push-2", "Never installed", "push", None, None)]
    got: list[Any] = []
    alerted = asyncio.Event()

    def emit(event: Any) -> None:
        got.append(event)
        if isinstance(event, AlertEvent):
            alerted.set()

    svc = VideoService(cameras, VideoConfig(offline_after_s=0.5), tmp_path / "evidence", emit,
                       ManualClock(5000.0))
    await svc.start()
    try:
        jpeg = next(iter(Scene.make(1, 320, 180).frames()))[1]
        assert svc.push_frame("push-1", jpeg, 1.0)
        async with asyncio.timeout(30):
            await alerted.wait()
        offline = [e for e in got if isinstance(e, AlertEvent)]
        assert [(e.alert.type, e.alert.subject) for e in offline] == [
            ("camera_offline", {"camera": "push-1"})]
        assert "no frames pushed for 0.5 s" in offline[0].alert.message
        assert svc.push_frame("push-1", jpeg, 2.0)
        cleared = [e for e in got if isinstance(e, ClearedEvent)]
        assert [e.alert.id for e in cleared] == [offline[0].alert.id]
    finally:
        await svc.stop()
