"""The video subsystem as the server sees it: cameras in, events and alerts out, evidence read.

Runs on the asyncio side. Worker processes do all decoding and analysis; their messages are
read by one thread per worker and handed to the loop with call_soon_threadsafe, where they
become CameraEvents and Alerts passed to `emit`. A worker that dies is started again with the
same cameras (their analysis state starts afresh; pulled cameras reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from geofence.model import Camera
from model.clock import Clock
from model.events import AlertEvent, CameraEvent, ClearedEvent
from video import evidence
from video.alerts import CameraAlerts
from video.config import VideoConfig
from video.frames import jpeg_size
from video.pushwatch import PushWatch
from video.workers import CameraSpec, worker_main

log = logging.getLogger(__name__)
Emit = Callable[[CameraEvent | AlertEvent | ClearedEvent], None]
RETENTION_PERIOD_S = 3600.0


class UnknownCamera(KeyError, ValueError):
    """No camera with that id (HTTP 404)."""


class FrameTooLarge(ValueError):
    """Body over max_frame_bytes (HTTP 413)."""


class BadFrame(ValueError):
    """Not a usable JPEG, or a camera that is pulled rather than pushed (HTTP 400)."""


class _Proc:
    def __init__(self, index: int, cameras: list[CameraSpec]) -> None:
        self.index = index
        self.cameras = cameras
        self.process: Any = None
        self.inbox: Any = None
        self.outbox: Any = None
        self.reader: threading.Thread | None = None
        self.restarts = 0


class VideoService(evidence.EvidenceFolder):
    def __init__(self, cameras: Sequence[Camera], config: VideoConfig, evidence_dir: Path,
                 emit: Emit, clock: Clock) -> None:
        super().__init__(evidence_dir)
        self.cameras = {c.id: c for c in cameras}
        self.config = config
        self.emit = emit
        self.clock = clock
        self.alerts = CameraAlerts(config, clock)
        self.dropped = 0
        self.bad_frames = 0
        self._ctx = multiprocessing.get_context("spawn")
        n = max(1, min(config.workers, len(self.cameras)))
        specs: list[CameraSpec] = [{"id": c.id, "source": c.source,
                                    "roi": [list(p) for p in c.roi] if c.roi else None}
                                   for c in cameras]
        self._procs = [_Proc(i, specs[i::n]) for i in range(n)]
        self._owner = {spec["id"]: self._procs[i % n] for i, spec in enumerate(specs)}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False
        self.on_evidence: Callable[[str], None] | None = None  # called with each written id
        self.push_watch = PushWatch(config.offline_after_s)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._running = True
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        for proc in self._procs:
            if proc.cameras:
                self._spawn(proc)
        self._tasks = [asyncio.create_task(self._supervise(), name="video-supervisor"),
                       asyncio.create_task(self._retention(), name="video-retention"),
                       asyncio.create_task(self._watch_pushed(), name="video-push-watch")]

    async def stop(self) -> None:
        self._running = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(asyncio.to_thread(self._halt, p) for p in self._procs))

    def push_frame(self, camera_id: str, jpeg: bytes, ts: float) -> bool:
        """Queue a pushed JPEG for analysis; False if the worker is behind and it was dropped.

        Raises UnknownCamera, FrameTooLarge or BadFrame (all ValueError) with the reason.
        """
        camera = self.cameras.get(camera_id)
        if camera is None:
            raise UnknownCamera(f"unknown camera {camera_id!r}")
        if camera.source not in ("", "push"):
            raise BadFrame(f"camera {camera_id!r} is pulled from its source, not pushed")
        if len(jpeg) > self.config.max_frame_bytes:
            raise FrameTooLarge(f"frame of {len(jpeg)} bytes is over the limit of "
                                f"{self.config.max_frame_bytes}")
        try:
            jpeg_size(jpeg)
        except ValueError as exc:
            self.bad_frames += 1
            raise BadFrame(str(exc)) from None
        proc = self._owner[camera_id]
        if proc.inbox is None:
            raise BadFrame("video analysis is not running")
        if self.push_watch.seen(camera_id):
            self._on_message(("status", camera_id, "online", "frames again"))
        try:
            proc.inbox.put_nowait(("frame", camera_id, float(ts), bytes(jpeg)))
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def worker_pids(self) -> list[int]:
        return [p.process.pid for p in self._procs if p.process is not None]

    # -- worker processes -------------------------------------------------------------------

    def _spawn(self, proc: _Proc) -> None:
        proc.inbox = self._ctx.Queue(maxsize=self.config.queue_frames)
        proc.outbox = self._ctx.Queue()
        proc.process = self._ctx.Process(
            target=worker_main, name=f"video-worker-{proc.index}", daemon=True,
            args=(proc.index, self.config.model_dump_json(), str(self.evidence_dir),
                  proc.cameras, proc.inbox, proc.outbox))
        proc.process.start()
        proc.reader = threading.Thread(target=self._read, args=(proc, proc.outbox),
                                       name=f"video-reader-{proc.index}", daemon=True)
        proc.reader.start()

    def _read(self, proc: _Proc, outbox: Any) -> None:
        loop = self._loop
        assert loop is not None
        while True:
            try:
                msg = outbox.get(timeout=0.5)
            except queue.Empty:
                if outbox is not proc.outbox or not self._running:
                    return  # the worker was replaced or stopped
                continue
            except (EOFError, OSError):
                return
            if loop.is_closed():
                return
            loop.call_soon_threadsafe(self._on_message, msg)

    def _on_message(self, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == "event":
            _, camera, ev_kind, ts, details_json = msg
            details = orjson.loads(details_json)
            self.emit(CameraEvent(camera, ev_kind, ts, details))
            for ev in self.alerts.on_event(camera, ev_kind, ts, details):
                self.emit(ev)
        elif kind == "status":
            _, camera, state, reason = msg
            for ev in self.alerts.on_status(camera, state, reason):
                self.emit(ev)
        elif kind == "bad_frame":
            self.bad_frames += 1
            log.info("camera %s: frame refused by the decoder: %s", msg[1], msg[2])
        elif kind == "evidence":
            if not msg[2]:
                log.error("evidence %s could not be written: %s", msg[1], msg[3])
            elif self.on_evidence is not None:
                self.on_evidence(msg[1])

    async def _supervise(self) -> None:
        while self._running:
            await asyncio.sleep(0.5)
            for proc in self._procs:
                p = proc.process
                if p is not None and not p.is_alive() and self._running:
                    proc.restarts += 1
                    log.error("video worker %d died (exit code %s); restarting it (%d)",
                              proc.index, p.exitcode, proc.restarts)
                    self._spawn(proc)

    async def _watch_pushed(self) -> None:
        while self._running:
            await asyncio.sleep(0.5)
            for camera in self.push_watch.silent():
                log.warning("camera %s offline: no frames pushed", camera)
                self._on_message(("status", camera, "offline", "no frames pushed for "
                                  f"{self.config.offline_after_s:g} s"))

    async def _retention(self) -> None:
        ev = self.config.evidence
        while self._running:
            await asyncio.to_thread(evidence.retain, self.evidence_dir, self.clock.now(),
                                    ev.max_age_days * 86400.0, ev.max_total_bytes)
            await asyncio.sleep(RETENTION_PERIOD_S)

    def _halt(self, proc: _Proc) -> None:
        if proc.process is None:
            return
        with contextlib.suppress(queue.Full, ValueError, OSError):
            proc.inbox.put(("stop",), timeout=1.0)
        proc.process.join(10.0)
        if proc.process.is_alive():
            proc.process.terminate()
            proc.process.join(5.0)
        for q in (proc.inbox, proc.outbox):
            q.cancel_join_thread()
            q.close()
