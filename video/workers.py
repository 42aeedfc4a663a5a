"""Analysis worker processes: several cameras each, fed over a queue, results over another.

The event loop only puts JPEG bytes on a bounded queue (pickling bytes is one memcpy; nothing
is decoded in the server process) and never waits: when a worker falls behind, its queue fills
and new pushed frames are refused (503, the camera sends again), never taken and then dropped:
the worker takes a pushed frame off the queue only when it is about to analyse it. Pulled
cameras run their capture threads inside the worker that analyses them, so their decoded
frames never cross a process boundary (when the worker is behind, the newest pulled frames are
skipped and counted). Evidence folders are written (clip encoded, manifest signed) by a thread
of the worker, so a spill's files never delay the next frame's analysis; when that thread falls
behind by CLIP_BACKLOG folders, the next folders are written without a clip (their frames are
kept) until it has caught up.

A frame whose analysis raises is sent back as a dead letter with its bytes (README, Failure
policy) and the camera's analysis starts afresh; the frame being analysed is always named in
`busy` (shared memory: camera index, time, pushed frames done, of which dead-lettered), so that
if the process dies on it (a crash in native code, kill -9) the server still knows which frame
it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import orjson

from config import testfaults
from video import evidence, signing
from video.clips import background_thread
from video.config import VideoConfig
from video.runner import CameraOutput, CameraRunner
from video.sources import PullSource

log = logging.getLogger(__name__)
CameraSpec = dict[str, Any]  # {"id", "source", "roi"}: picklable form of geofence Camera
CLIP_BACKLOG = 4


def worker_main(index: int, config_json: str, evidence_dir: str, cameras: list[CameraSpec],
                inbox: Any, outbox: Any, busy: Any) -> None:
    """Entry point of a worker process (multiprocessing target)."""
    logging.basicConfig(level=logging.INFO, format=f"worker{index} %(levelname)s %(message)s")
    Worker(VideoConfig.model_validate_json(config_json), Path(evidence_dir), cameras,
           inbox, outbox, busy).run()


class Worker:
    def __init__(self, config: VideoConfig, evidence_dir: Path, cameras: list[CameraSpec],
                 inbox: Any, outbox: Any, busy: Any = None) -> None:
        self.config = config
        self.evidence_dir = evidence_dir
        self.inbox = inbox
        self.outbox = outbox
        # Shared [camera index, ts] of the frame in analysis (-1: none), pushed frames done,
        # of which dead-lettered.
        self.busy = busy
        self.index = {c["id"]: i for i, c in enumerate(cameras)}
        self.poison = testfaults.enabled("poison-frame")
        self.runners = {c["id"]: CameraRunner(c["id"], c.get("roi"), config) for c in cameras}
        # Pulled frames wait here; pushed ones in the inbox (taken in turn with these).
        self.local: queue.Queue[tuple[str, float, Any]] = queue.Queue(maxsize=config.queue_frames)
        self.writes: queue.Queue[tuple[str, evidence.EvidenceRequest] | None] = queue.Queue()
        self.sources = [PullSource(c["id"], c["source"], config, self._pulled, self._status)
                        for c in cameras if c.get("source") not in (None, "", "push")]
        self.dropped = 0
        # Made by the service before it started this process (video/signing.py).
        self.key = signing.load(signing.key_path(evidence_dir))

    def run(self) -> None:
        writer = threading.Thread(target=self._write_loop, name="evidence", daemon=True)
        writer.start()
        for source in self.sources:
            source.start()
        parent = os.getppid()
        checked = time.monotonic()
        while self._turn():
            now = time.monotonic()
            if now - checked >= 1.0:  # the server was killed (kill -9): do not outlive it
                checked = now
                if os.getppid() != parent:
                    log.error("the server process is gone; this worker stops")
                    os._exit(1)
        for source in self.sources:
            source.stop()
        for camera in self.runners:  # stopping: evidence still waiting for frames is written
            self._flush(camera)
        self.writes.put(None)
        writer.join()

    def _turn(self) -> bool:
        """One pushed frame and one pulled frame, if waiting (or a short wait); False: stop."""
        busy = False
        try:
            msg = self.inbox.get(timeout=0.0 if self.sources else 0.05)
        except queue.Empty:
            pass
        else:
            if msg[0] == "stop":
                return False
            _, camera, ts, jpeg = msg
            self._analyse(camera, ts, jpeg, pushed=True)
            busy = True
        try:
            camera, ts, frame = self.local.get_nowait()
        except queue.Empty:
            if self.sources and not busy:
                with contextlib.suppress(queue.Empty):
                    camera, ts, frame = self.local.get(timeout=0.01)
                    self._local(camera, ts, frame)
        else:
            self._local(camera, ts, frame)
        return True

    def _local(self, camera: str, ts: float, frame: Any) -> None:
        if frame is None:  # the camera went offline: write what it has captured
            self._flush(camera)
        else:
            self._analyse(camera, ts, frame)

    def _pulled(self, camera: str, ts: float, frame: Any) -> None:
        try:
            self.local.put_nowait((camera, ts, frame))
        except queue.Full:
            self.dropped += 1
            if self.dropped % 100 == 1:
                log.warning("analysis behind: %d frames dropped so far", self.dropped)

    def _status(self, camera: str, state: str, reason: str) -> None:
        self.outbox.put(("status", camera, state, reason))
        if state == "offline":  # a marker for the analysis thread, which owns the runners
            with contextlib.suppress(queue.Full):
                self.local.put((camera, 0.0, None), timeout=1.0)

    def _flush(self, camera: str) -> None:
        runner = self.runners.get(camera)
        for item in runner.ready_evidence(None) if runner is not None else []:
            self.writes.put(item)

    def _analyse(self, camera: str, ts: float, frame: Any, pushed: bool = False) -> None:
        runner = self.runners.get(camera)
        if runner is None:
            return
        busy = self.busy
        if busy is not None:
            busy[1], busy[0] = ts, self.index[camera]
        dead = False
        try:
            if self.poison and testfaults.poison_frame(ts):
                raise RuntimeError(f"test fault: poison frame of {camera} at {ts}")
            outputs = (runner.feed_jpeg(ts, frame) if isinstance(frame, bytes)
                       else runner.feed_bgr(ts, frame))
        except ValueError as exc:
            self.outbox.put(("bad_frame", camera, str(exc)))
            return
        except Exception as exc:
            # A bug on one odd frame must not take the other cameras of this worker down:
            # the frame is dead-lettered, the camera's analysis starts afresh.
            log.exception("camera %s: analysis failed; its state is reset", camera)
            dead = True
            self.outbox.put(("dead", camera, ts, "analysis", type(exc).__name__, str(exc),
                             _jpeg_of(frame)))
            old = self.runners[camera]
            self.runners[camera] = CameraRunner(camera, old.pipeline.roi, self.config)
            return
        finally:
            if busy is not None:
                if pushed:  # counted before the frame stops being named: no gap between
                    busy[2] += 1.0
                    if dead:
                        busy[3] += 1.0
                busy[0] = -1.0
        self._send(outputs)
        for item in runner.ready_evidence(ts):
            self.writes.put(item)

    def _send(self, outputs: list[CameraOutput]) -> None:
        for out in outputs:
            self.outbox.put(("event", out.camera, out.kind, out.ts,
                             orjson.dumps(out.details).decode()))

    def _write_loop(self) -> None:
        background_thread()
        while True:
            item = self.writes.get()
            if item is None:
                return
            evidence_id, request = item
            codec: str | None = self.config.evidence.clip_codec
            if self.writes.qsize() >= CLIP_BACKLOG:
                codec = None
                log.warning("evidence %s: writer %d folders behind, written without a clip",
                            evidence_id, self.writes.qsize())
            try:
                evidence.write(self.evidence_dir, evidence_id, request, codec, self.key)
                self.outbox.put(("evidence", evidence_id, True, ""))
            except Exception as exc:
                log.exception("evidence %s failed", evidence_id)
                self.outbox.put(("evidence", evidence_id, False, str(exc)))

def _jpeg_of(frame: Any) -> bytes | None:
    """The frame's bytes for its dead letter (a pulled frame is encoded; None if it cannot)."""
    if isinstance(frame, bytes):
        return frame
    try:
        ok, buf = cv2.imencode(".jpg", frame)
    except Exception:  # the frame is what failed: it may not encode either
        return None
    return buf.tobytes() if ok else None
