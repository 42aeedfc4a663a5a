"""The video subsystem as the server sees it: cameras in, events and alerts out, evidence read.

Runs on the asyncio side. Worker processes do all decoding and analysis; their messages are
read by one thread per worker and handed to the loop with call_soon_threadsafe, where they
become CameraEvents and Alerts passed to `emit`.

Failures (README, Failure policy): a frame whose analysis raises comes back as a dead letter
(`on_dead`, with its bytes). A worker that dies is started again with the same cameras (their
analysis state starts afresh; pulled cameras reconnect): the frames waiting in its queue go to
the new one, the frame it died on is dead-lettered, and /healthz is degraded while it is down
and for a while after. One that keeps dying is started again more slowly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bus.health import Health
from geofence.model import Camera
from model.clock import DAY_S, Clock
from model.events import AlertEvent, CameraEvent, ClearedEvent
from store.deadletter import DeadLetter
from video import evidence
from video.alerts import CameraAlerts
from video.config import VideoConfig
from video.frames import jpeg_size
from video.pushwatch import PushWatch
from video.workers import CameraSpec, worker_main

log = logging.getLogger(__name__)
Emit = Callable[[CameraEvent | AlertEvent | ClearedEvent], None]
OnDead = Callable[[DeadLetter, bytes | None], None]
RETENTION_PERIOD_S = 3600.0
DEATHS = 5  # deaths of a worker within DEATH_WINDOW_S after which it is restarted slowly
DEATH_WINDOW_S = 60.0
SLOW_RESTART_S = 30.0


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
        # Shared with the worker: [camera index, ts] of the frame in analysis (-1: none),
        # pushed frames it finished, of which dead-lettered.
        self.busy: Any = None
        self.done = 0.0  # its pushed frames finished (dead-lettered ones too), as last read
        self.dead = 0.0
        # Pushed frames it has not finished, in the order put in its inbox (which it takes in
        # that order): what goes to its successor if it dies.
        self.pending: deque[tuple[str, float, bytes]] = deque()
        self.reader: threading.Thread | None = None
        self.restarts = 0
        self.deaths: list[float] = []
        self.down_since: float | None = None  # dead, not yet running again

    @property
    def name(self) -> str:
        return f"video worker {self.index}"


class VideoService(evidence.EvidenceFolder):
    def __init__(self, cameras: Sequence[Camera], config: VideoConfig, evidence_dir: Path,
                 emit: Emit, clock: Clock, health: Health | None = None,
                 on_dead: OnDead | None = None) -> None:
        super().__init__(evidence_dir)
        self.health, self.on_dead = health, on_dead
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
        frame = (camera_id, float(ts), bytes(jpeg))
        try:
            proc.inbox.put_nowait(("frame", *frame))
        except queue.Full:
            self.dropped += 1
            self._count("shed")
            return False
        proc.pending.append(frame)
        self._count("accepted")
        return True

    def _count(self, outcome: str, n: float = 1) -> None:
        if self.health is not None and n:
            self.health.metrics.video_frames.labels(outcome).inc(n)

    def worker_pids(self) -> list[int]:
        return [p.process.pid for p in self._procs if p.process is not None]

    # -- worker processes -------------------------------------------------------------------

    def _spawn(self, proc: _Proc) -> None:
        old = proc.inbox
        proc.inbox = self._ctx.Queue(maxsize=self.config.queue_frames + 1)
        proc.outbox = self._ctx.Queue()
        proc.busy = self._ctx.Array("d", [-1.0, 0.0, 0.0, 0.0])
        proc.done, proc.dead = 0.0, 0.0
        if old is not None:  # a dead worker's queue may be locked for good: never read it
            with contextlib.suppress(OSError, ValueError):
                old.cancel_join_thread()
                old.close()
            for frame in proc.pending:  # what it had not finished, in order, to its successor
                proc.inbox.put_nowait(("frame", *frame))
            if proc.pending:
                log.warning("%s: %d frames it had not analysed go to its successor",
                            proc.name, len(proc.pending))
        proc.process = self._ctx.Process(
            target=worker_main, name=f"video-worker-{proc.index}", daemon=True,
            args=(proc.index, self.config.model_dump_json(), str(self.evidence_dir),
                  proc.cameras, proc.inbox, proc.outbox, proc.busy))
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
        elif kind == "dead":
            _, camera, ts, stage, reason, error, jpeg = msg
            self._dead(DeadLetter("video", stage, reason, error,
                                  {"camera": camera, "ts": ts,
                                   "bytes": None if jpeg is None else len(jpeg)}), jpeg)
        elif kind == "evidence":
            if not msg[2]:
                log.error("evidence %s could not be written: %s", msg[1], msg[3])
            elif self.on_evidence is not None:
                self.on_evidence(msg[1])

    def _dead(self, letter: DeadLetter, jpeg: bytes | None) -> None:
        log.error("camera %s: frame at %s dead-lettered: %s: %s", letter.input.get("camera"),
                  letter.input.get("ts"), letter.reason, letter.error)
        if self.on_dead is not None:
            self.on_dead(letter, jpeg)

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        while self._running:
            await asyncio.sleep(0.5)
            now = loop.time()
            for proc in self._procs:
                p = proc.process
                if p is None or not self._running:
                    continue
                if p.is_alive():
                    self._analysed(proc)
                    if proc.down_since is not None:
                        proc.down_since = None
                        if self.health is not None:
                            self.health.up(proc.name)
                    continue
                since = proc.down_since if proc.down_since is not None else \
                    self._died(proc, now)
                if now - since >= self._restart_delay(proc):
                    proc.restarts += 1
                    log.error("%s: restarting it (%d)", proc.name, proc.restarts)
                    if self.health is not None:
                        self.health.metrics.worker_restarts.labels(proc.name).inc()
                    self._spawn(proc)

    def _analysed(self, proc: _Proc) -> None:
        done, dead = float(proc.busy[2]), float(proc.busy[3])
        self._count("analysed", (done - proc.done) - (dead - proc.dead))
        self._count("dead", dead - proc.dead)
        for _ in range(int(done) - int(proc.done)):
            if proc.pending:
                proc.pending.popleft()
        proc.done, proc.dead = done, dead

    def _died(self, proc: _Proc, now: float) -> float:
        p = proc.process
        proc.down_since = now
        proc.deaths = [t for t in proc.deaths if now - t < DEATH_WINDOW_S] + [now]
        code = p.exitcode
        why = f"died (exit code {code})"
        self._analysed(proc)
        at_camera, at_ts = int(proc.busy[0]), float(proc.busy[1])
        if 0 <= at_camera < len(proc.cameras):  # it died on this frame: a poison frame?
            spec = proc.cameras[at_camera]
            jpeg = None
            if proc.pending and proc.pending[0][:2] == (spec["id"], at_ts):
                jpeg = proc.pending.popleft()[2]  # a pushed frame: the next it had to finish
                self._count("dead")
            self._dead(DeadLetter("video", "analysis", "WorkerDied",
                                  f"the worker process {why} while analysing this frame",
                                  {"camera": spec["id"], "ts": at_ts,
                                   "bytes": None if jpeg is None else len(jpeg)}), jpeg)
        if len(proc.deaths) > DEATHS:
            why += f", {len(proc.deaths)} times in {DEATH_WINDOW_S:.0f} s: restarted in " \
                f"{SLOW_RESTART_S:.0f} s"
        log.error("%s %s", proc.name, why)
        if self.health is not None:
            self.health.down(proc.name, why)
            self.health.failed(proc.name, "process", "WorkerDied", f"{why}; restarted")
        return now

    def _restart_delay(self, proc: _Proc) -> float:
        return SLOW_RESTART_S if len(proc.deaths) > DEATHS else 0.0

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
                                    ev.max_age_days * DAY_S, ev.max_total_bytes)
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
