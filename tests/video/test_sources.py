"""Pulled cameras: reconnect with backoff, offline after silence, online when frames return."""

import socket
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
        self.reasons: list[str] = []
        self.changed = threading.Condition()

    def on_frame(self, camera: str, ts: float, frame: Any) -> None:
        with self.changed:
            self.frames += 1
            self.changed.notify_all()

    def on_status(self, camera: str, state: str, reason: str) -> None:
        with self.changed:
            self.status.append(state)
            self.reasons.append(reason)
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


def test_file_that_decodes_nothing_backs_off_and_goes_offline(tmp_path: Path) -> None:
    """A file that opens but whose every packet is garbage (or a codec FFmpeg lacks): retried
    with backoff and reported, not re-opened in a tight loop."""
    path = tmp_path / "garbled.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (64, 36))
    for i in range(20):
        writer.write(np.full((36, 64, 3), i * 10, np.uint8))
    writer.release()
    data = bytearray(path.read_bytes())
    start = data.index(b"movi") + 4
    end = data.index(b"idx1")
    data[start:end] = np.random.default_rng(0).integers(0, 256, end - start, np.uint8).tobytes()
    path.write_bytes(bytes(data))
    rec = Recorder()
    opens: list[str] = []

    def opener(source: str, timeout: float) -> Any:
        opens.append(source)
        return open_capture(source, timeout)

    config = VideoConfig(offline_after_s=0.3, reconnect_min_s=0.1, reconnect_max_s=0.2)
    src = PullSource("cam", str(path), config, rec.on_frame, rec.on_status, opener=opener)
    src.start()
    try:
        assert rec.wait(lambda: rec.status == ["offline"])
        time.sleep(0.5)
    finally:
        src.stop()
    assert rec.frames == 0
    assert "no frame could be decoded" in rec.reasons[0]
    assert len(opens) < 15  # 0.1 s, then 0.2 s apart: a spin would have opened it thousands


class StallingCamera:
    """An HTTP MJPEG camera on a real socket: each connection sends `frames` JPEGs and then
    nothing, holding the connection open (a stalled encoder), until `stall` is cleared."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.stall = threading.Event()
        self.stall.set()
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/video.mjpg"
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        jpeg = cv2.imencode(".jpg", np.full((48, 64, 3), 90, np.uint8))[1].tobytes()
        part = (b"--f\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                + jpeg + b"\r\n")
        with conn:
            try:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.0 200 OK\r\n"
                             b"Content-Type: multipart/x-mixed-replace; boundary=f\r\n\r\n")
                sent = 0
                while not self.closed.is_set():
                    if sent >= self.frames and self.stall.is_set():
                        self.closed.wait(0.05)  # connection open, nothing sent
                        continue
                    conn.sendall(part)
                    sent += 1
                    time.sleep(0.02)
            except OSError:
                return

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


def test_stalled_stream_goes_offline_is_reconnected_and_the_others_go_on() -> None:
    stalled, healthy = StallingCamera(frames=5), StallingCamera(frames=10**9)
    config = VideoConfig(offline_after_s=1.0, reconnect_min_s=0.2, reconnect_max_s=0.4, fps=50)
    rec_stalled, rec_healthy = Recorder(), Recorder()
    sources = [PullSource("stalled", stalled.url, config, rec_stalled.on_frame,
                          rec_stalled.on_status),
               PullSource("healthy", healthy.url, config, rec_healthy.on_frame,
                          rec_healthy.on_status)]
    for src in sources:
        src.start()
    try:
        assert rec_stalled.wait(lambda: rec_stalled.status == ["offline"])
        seen = rec_healthy.frames
        assert rec_stalled.wait(lambda: stalled.connections >= 2)  # reconnected, stalls again
        assert rec_healthy.wait(lambda: rec_healthy.frames > seen + 20)  # the other went on
        stalled.stall.clear()  # the camera recovers
        assert rec_stalled.wait(lambda: rec_stalled.status == ["offline", "online"])
        assert rec_healthy.status == []
    finally:
        for src in sources:
            src.stop()
        stalled.close()
        healthy.close()
