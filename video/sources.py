"""Pulled cameras: an OpenCV capture per camera (RTSP, HTTP/MJPEG, file) on its own thread.

A capture that fails to open, decodes nothing, or stops delivering (a stalled stream ends at
the read timeout) is released and reopened with exponential backoff; the camera is reported
offline after `offline_after_s` without a frame and online at the first frame after that. A
file is played at its own frame rate and starts over at its end, like a camera that never
stops. Frame times are stamped here, at the edge of the system, with the injected `now` (wall
time in production).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import cv2

from video.config import VideoConfig

log = logging.getLogger(__name__)


class Capture(Protocol):
    def isOpened(self) -> bool: ...
    def read(self) -> tuple[bool, Any]: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


def open_capture(source: str, timeout_s: float) -> Capture:
    ms = int(timeout_s * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
    return cv2.VideoCapture(source, cv2.CAP_ANY, params)


def is_live(source: str) -> bool:
    return "://" in source and not source.startswith("file://")


class PullSource:
    """Reads one camera until stop(); frames go to `on_frame(camera, ts, bgr)`, state changes to
    `on_status(camera, "offline" | "online", reason)`."""

    def __init__(self, camera: str, source: str, config: VideoConfig,
                 on_frame: Callable[[str, float, Any], None],
                 on_status: Callable[[str, str, str], None],
                 now: Callable[[], float] = time.time,
                 opener: Callable[[str, float], Capture] = open_capture) -> None:
        self.camera = camera
        self.source = source
        self.config = config
        self.on_frame = on_frame
        self.on_status = on_status
        self.now = now
        self.opener = opener
        self.offline = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pull-{camera}", daemon=True)
        self._last_frame = now()
        self._reason = "no frames"  # why the last session ended: the offline alert says it

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        backoff = self.config.reconnect_min_s
        while not self._stop.is_set():
            reason = self._session()
            if self._stop.is_set():
                break
            if reason == "end of file":
                backoff = self.config.reconnect_min_s
                continue
            self._reason = reason
            self._check_offline(reason)
            log.debug("camera %s: %s; retrying in %.1f s", self.camera, reason, backoff)
            self._wait(backoff)
            backoff = min(backoff * 2.0, self.config.reconnect_max_s)

    def _session(self) -> str:
        """Read until the capture fails; the reason it ended."""
        timeout = min(self.config.offline_after_s, 10.0)
        try:
            cap = self.opener(self.source, timeout)
        except (cv2.error, OSError) as exc:
            return f"cannot open source ({exc})"
        try:
            if not cap.isOpened():
                return "cannot open source"
            fps = cap.get(cv2.CAP_PROP_FPS)
            pace = 1.0 / fps if not is_live(self.source) and 0 < fps <= 120 else 0.0
            period = 1.0 / self.config.fps
            next_due = 0.0
            frames = 0
            while not self._stop.is_set():
                started = self.now()
                ok, frame = cap.read()
                if not ok or frame is None:
                    if frames == 0:  # opens but decodes nothing: retry with backoff, not a spin
                        return "no frame could be decoded (corrupt, or a codec FFmpeg lacks)"
                    return "stream ended" if is_live(self.source) else "end of file"
                frames += 1
                ts = self.now()
                self._last_frame = ts
                if self.offline:
                    self.offline = False
                    self.on_status(self.camera, "online", "frames again")
                if ts >= next_due:
                    next_due = ts + 0.8 * period
                    self.on_frame(self.camera, ts, frame)
                if pace:
                    self._wait(pace - (self.now() - started))
            return "stopped"
        finally:
            cap.release()

    def _check_offline(self, reason: str) -> None:
        if not self.offline and self.now() - self._last_frame >= self.config.offline_after_s:
            self.offline = True
            log.warning("camera %s offline: %s", self.camera, reason)
            self.on_status(self.camera, "offline", reason)

    def _wait(self, seconds: float) -> None:
        """Sleep, waking early on stop, and still report offline while waiting long."""
        end = self.now() + max(0.0, seconds)
        while not self._stop.is_set():
            left = end - self.now()
            if left <= 0:
                return
            self._stop.wait(min(left, 0.5))
            if not self.offline and self.now() - self._last_frame >= self.config.offline_after_s:
                self.offline = True
                self.on_status(self.camera, "offline", self._reason)
