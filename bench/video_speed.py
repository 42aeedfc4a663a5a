"""Video analysis speed: python bench/video_speed.py

Frames/s on one core from 1280x720 JPEG input, decode included: 60 cameras fed in turn (each at
5 frames/s of its own time), so one core watching 60 cameras needs 300 frames/s. What streaming
cameras cost GPS ingest on the real server is bench/cameras_vs_gps.py.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.cameras.scene import Scene
from video.config import VideoConfig
from video.runner import CameraRunner


def frames_720p(n: int) -> list[bytes]:
    scene = Scene.make(6, 1280, 720, spill=True)  # daylight: no low-light noise in the JPEGs
    out = [jpeg for _, jpeg in scene.frames()]
    return (out * (n // len(out) + 1))[:n]


def throughput(jpegs: list[bytes], cameras: int = 60) -> tuple[float, float]:
    """(frames a wall-clock second, frames a CPU second of this process): on a shared machine
    the second moves much less than the first."""
    cv2.setNumThreads(1)
    runners = [CameraRunner(f"cam{i}", None, VideoConfig()) for i in range(cameras)]
    t0, c0 = time.perf_counter(), time.process_time()
    count = 0
    for k, jpeg in enumerate(jpegs):
        ts = 1.7e9 + k * 0.2
        for runner in runners:
            runner.feed_jpeg(ts, jpeg)
            count += 1
    return count / (time.perf_counter() - t0), count / (time.process_time() - c0)


def main() -> None:
    jpegs = frames_720p(20)
    size = sum(map(len, jpegs)) / len(jpegs)
    fps, cpu = throughput(jpegs)
    print(f"analysis: {fps:.0f} frames/s on one core from 1280x720 JPEG "
          f"({size / 1024:.0f} kB average), decode included; 60 cameras x 5 fps = 300 needed")
    print(f"          {cpu:.0f} frames a CPU-second of this process "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
