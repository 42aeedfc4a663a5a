"""Pulled cameras: reconnect with backoff, offline after silence, online when frames return."""

import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from video.config import VideoConfig
from video.sources import PullSource, open_capture

CONFIG = VideoConfig(offline_after_s=0.3, reconnect_min_s=0.02, reconnect_max_s=0.05, fps=50)
FRAME = np.zeros((36, 64, 3), np.uint8)


class FakeCapture:
    def __init__(self, opened: bool, frames: int) -> None:
        self.opened = opened
        self.left = frames

    def isOpened(self) -> bool:
        return self.opened

    def read(self) -> tuple[bool, Any]:
        time.sleep(0.005)
        if self.left <= 0:
            return False, None
        self.left -= 1
        return True, FRAME

    def get(self, prop: int) -> float:
        return 0.0

    def release(self) -> None:
        pass


class Recorder:
    def __init__(self) -> None:
        self.frames = 0
        self.status: list[str] = []
        self.changed = threading.Condition()

    def on_frame(self, camera: str, ts: float, frame: Any) -> None:
        with self.changed:
            self.frames += 1
            self.changed.notify_all()

    def on_status(self, camera: str, state: str, reason: str) -> None:
        with self.changed:
            self.status.append(state)
            self.changed.notify_all()

    def wait(self, predicate: Any, timeout: float = 20.0) -> bool:
        with self.changed:
            return bool(self.changed.wait_for(predicate, timeout))


def test_down_camera_goes_offline_then_online_when_it_returns() -> None:
    rec = Recorder()
    up = threading.Event()
    opens = []

    def opener(source: str, timeout: float) -> FakeCapture:
        opens.append(source)
        return FakeCapture(up.is_set(), 10**9)

    src = PullSource("cam", "rtsp://camera.invalid/stream", CONFIG, rec.on_frame,
                     rec.on_status, opener=opener)
    src.start()
    try:
        assert rec.wait(lambda: rec.status == ["offline"])
        assert len(opens) > 1  # it keeps retrying
        up.set()
        assert rec.wait(lambda: rec.status == ["offline", "online"] and rec.frames > 0)
    finally:
        src.stop()


def test_stream_dropping_mid_way_is_reopened() -> None:
    rec = Recorder()
    opens = []

    def opener(source: str, timeout: float) -> FakeCapture:
        opens.append(source)
        return FakeCapture(True, 3)

    src = PullSource("cam", "http://camera.invalid/mjpeg", CONFIG, rec.on_frame, rec.on_status,
                     opener=opener)
    src.start()
    try:
        assert rec.wait(lambda: rec.frames >= 9)
        assert len(opens) >= 3
        assert "offline" not in rec.status  # short drops never exceed offline_after_s
    finally:
        src.stop()


def test_file_source_loops(tmp_path: Path) -> None:
    path = tmp_path / "loop.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 50.0, (64, 36))
    for i in range(5):
        writer.write(np.full((36, 64, 3), i * 40, np.uint8))
    writer.release()
    rec = Recorder()
    src = PullSource("cam", str(path), CONFIG, rec.on_frame, rec.on_status, opener=open_capture)
    src.start()
    try:
        assert rec.wait(lambda: rec.frames > 5)
    finally:
        src.stop()
