"""A worker keeps what its cameras captured: evidence still waiting for frames after the event
is written when the camera goes offline, and when the worker stops."""

import queue
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from simulator.cameras.scene import Scene
from video import evidence
from video.config import EvidenceConfig, VideoConfig
from video.signing import key_path, load_or_create
from video.workers import Worker

# Evidence due 60 s after the spill: never, unless the worker writes what it has.
CONFIG = VideoConfig(evidence=EvidenceConfig(post_s=60.0))


def run_scene(root: Path) -> tuple[Worker, "queue.Queue[Any]", threading.Thread, str]:
    load_or_create(key_path(root))
    inbox: queue.Queue[Any] = queue.Queue()
    outbox: queue.Queue[Any] = queue.Queue()
    worker = Worker(CONFIG, root, [{"id": "cam", "source": "push", "roi": None}], inbox, outbox)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    for ts, jpeg in Scene.make(27, 640, 360, start_ts=1.7e9).frames():
        inbox.put(("frame", "cam", ts, jpeg))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        msg = outbox.get(timeout=120)
        if msg[0] == "event" and msg[2] == "spill":
            details = orjson.loads(msg[4])
            if details.get("evidence"):
                return worker, outbox, thread, str(details["evidence"])
    raise AssertionError("no spill with evidence")


def written(outbox: "queue.Queue[Any]", evidence_id: str) -> bool:
    while True:
        msg = outbox.get(timeout=60)
        if msg[0] == "evidence" and msg[1] == evidence_id:
            return bool(msg[2])


def test_offline_camera_writes_pending_evidence(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    worker, outbox, thread, eid = run_scene(root)
    assert not (root / eid).exists()  # still waiting for the 60 s after the spill
    worker._status("cam", "offline", "no frames")  # what a stalled pulled camera reports
    assert written(outbox, eid)
    manifest = evidence.read(root, eid)
    assert manifest["integrity"]["status"] == "valid" and manifest["frames"]
    assert manifest["clip"]["codec"] == "h264"
    worker.inbox.put(("stop",))
    thread.join(30)
    assert not thread.is_alive()


def test_stopping_worker_writes_pending_evidence(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    worker, outbox, thread, eid = run_scene(root)
    worker.inbox.put(("stop",))
    thread.join(60)
    assert not thread.is_alive() and written(outbox, eid)
    assert evidence.read(root, eid)["integrity"]["status"] == "valid"


def test_a_writer_behind_writes_folders_without_clips_until_it_catches_up(
        tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    load_or_create(key_path(root))
    outbox: queue.Queue[Any] = queue.Queue()
    worker = Worker(CONFIG, root, [], queue.Queue(), outbox)
    shots = list(Scene.make(3, 320, 180, start_ts=1.7e9).frames())[:10]
    ids = [evidence.new_id("cam", 1.7e9 + k) for k in range(7)]
    for eid in ids:  # a burst: all queued before the writer takes the first
        worker.writes.put((eid, evidence.EvidenceRequest("cam", "spill", 1.7e9, shots)))
    worker.writes.put(None)
    worker._write_loop()
    clips = [evidence.read(root, eid)["clip"] is not None for eid in ids]
    assert clips == [False, False, False, False, True, True, True]
    assert all(evidence.read(root, eid)["integrity"]["status"] == "valid" for eid in ids)
