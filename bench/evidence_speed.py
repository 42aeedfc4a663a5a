"""Evidence costs: python bench/evidence_speed.py [--seconds 40] [--rounds 3]

1. Clip encoding, per second of clip, for each format (H.264/MP4, VP9/WebM), from the 720p
   JPEGs a camera sends at the analysis rate (5 frames/s), JPEG decode included, one encoder
   thread (as the evidence writer runs it).
2. Checking a typical evidence folder (a clip of --seconds at 5 frames/s: frames, clip,
   crops): signature and every file's SHA-256, as GET /api/v1/evidence/{id} does.
3. Analysis throughput (bench/video_speed.py's measure: 60 cameras, 720p JPEG) alone and while
   a second thread of the same process writes evidence folders with clips non-stop,
   alternating: frames/s of wall time, and frames per CPU-second of the analysing thread. The
   second stays put when encoding runs beside the analysis without getting in its way (PyAV
   releases the GIL); the first falls by the core share the encoder takes when cores are few.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from bench.video_speed import frames_720p
from video import evidence
from video.clips import FORMATS, background_thread, write_clip
from video.config import VideoConfig
from video.evidence import EvidenceRequest
from video.integrity import check
from video.runner import CameraRunner
from video.signing import key_path, load_or_create

FPS = 5.0


def shots(seconds: float) -> list[tuple[float, bytes]]:
    jpegs = frames_720p(int(seconds * FPS))
    return [(1.7e9 + i / FPS, data) for i, data in enumerate(jpegs)]


def encode_cost(frames: list[tuple[float, bytes]], folder: Path) -> dict[str, float]:
    """ms of one core per second of clip, per format."""
    out = {}
    seconds = frames[-1][0] - frames[0][0] + 1 / FPS
    for name, fmt in FORMATS.items():
        t0 = time.process_time()
        write_clip(folder / fmt.file, frames, fmt)
        out[name] = 1000 * (time.process_time() - t0) / seconds
    return out


def check_cost(frames: list[tuple[float, bytes]], root: Path) -> tuple[float, int]:
    key = load_or_create(key_path(root))
    eid = evidence.new_id("bench", frames[0][0])
    req = EvidenceRequest("bench", "spill", frames[-1][0], frames, vehicle_box=[100, 100, 300, 200],
                          vehicle_ts=frames[5][0], material_box=[200, 300, 50, 40])
    folder = evidence.write(root, eid, req, "h264", key)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        _, result = check(folder, key.public_key())
        times.append(time.perf_counter() - t0)
        assert result.status == "valid"
    return 1000 * statistics.median(times), size


def analysis(jpegs: list[bytes], cameras: int = 60) -> tuple[float, float]:
    """(frames/s of wall time, frames per CPU-second of the analysing thread): the second
    is bench/video_speed.py's per-core figure, untouched by other threads' use of the cores."""
    cv2.setNumThreads(1)
    runners = [CameraRunner(f"cam{i}", None, VideoConfig()) for i in range(cameras)]
    wall, cpu = time.perf_counter(), time.thread_time()
    for k, jpeg in enumerate(jpegs):
        for runner in runners:
            runner.feed_jpeg(1.7e9 + k * 0.2, jpeg)
    n = len(jpegs) * cameras
    return n / (time.perf_counter() - wall), n / (time.thread_time() - cpu)


def analysis_beside_writer(rounds: int, frames: list[tuple[float, bytes]],
                           root: Path) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """(alone, beside a thread writing evidence folders with clips all the while), per round."""
    jpegs = frames_720p(20)
    key = load_or_create(key_path(root))
    out = []
    for r in range(rounds):
        alone = analysis(jpegs)
        stop = threading.Event()

        def write_all(r: int = r, stop: threading.Event = stop) -> None:
            background_thread()  # as the worker's evidence writer runs
            k = 0
            while not stop.is_set():
                k += 1
                req = EvidenceRequest("bench", "spill", frames[-1][0], frames[:50])
                evidence.write(root, evidence.new_id("bench", 1e9 + r * 1e6 + k), req, "h264", key)

        writer = threading.Thread(target=write_all, daemon=True)
        writer.start()
        beside = analysis(jpegs)
        stop.set()
        writer.join()
        out.append((alone, beside))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=40.0, help="clip length (default 40 s)")
    ap.add_argument("--rounds", type=int, default=3, help="alternations for figure 3")
    args = ap.parse_args()
    frames = shots(args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        cost = encode_cost(frames, Path(tmp))
        for name, ms in cost.items():
            print(f"clip encoding {name:<4} ({FORMATS[name].file}): {ms:.0f} ms of one core per "
                  f"second of 720p clip at {FPS:g} frames/s ({ms / FPS:.1f} ms a frame)")
        ms, size = check_cost(frames, Path(tmp) / "evidence")
        print(f"checking a {args.seconds:g} s evidence folder ({len(frames)} frames + clip, "
              f"{size / 1e6:.1f} MB): {ms:.0f} ms (signature and every SHA-256)")
        rounds = analysis_beside_writer(args.rounds, frames, Path(tmp) / "load")
        for i, label in ((0, "frames/s (wall)"), (1, "frames per CPU-second of its thread")):
            alone = statistics.median(r[0][i] for r in rounds)
            beside = statistics.median(r[1][i] for r in rounds)
            print(f"analysis alone: {alone:.0f} {label}; beside a thread encoding clips "
                  f"non-stop: {beside:.0f} (median of {args.rounds}, alternating)")

if __name__ == "__main__":
    main()
