"""Video analysis speed, and what 20 streaming cameras cost the GPS ingest path.

    python bench/video_speed.py

1. Frames/s on one core from 1280x720 JPEG input, decode included: 60 cameras fed in turn
   (each at 5 frames/s of its own time), so one core watching 60 cameras needs 300 frames/s.
2. Latency p99 of a GPS-style JSON POST on an aiohttp server, alone and while 20 simulated
   cameras push 5 JPEG frames/s each to the same server, which hands them to VideoService
   (worker processes analyse them). The GPS handler here is a stand-in for the server's.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import orjson
from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geofence.model import Camera
from model.clock import WallClock
from simulator.cameras.scene import Scene
from video.config import VideoConfig
from video.runner import CameraRunner
from video.service import VideoService


def frames_720p(n: int) -> list[bytes]:
    scene = Scene.make(4, 1280, 720, spill=True)
    out = [jpeg for _, jpeg in scene.frames()]
    return (out * (n // len(out) + 1))[:n]


def throughput(jpegs: list[bytes], cameras: int = 60) -> float:
    cv2.setNumThreads(1)
    runners = [CameraRunner(f"cam{i}", None, VideoConfig()) for i in range(cameras)]
    t0 = time.perf_counter()
    count = 0
    for k, jpeg in enumerate(jpegs):
        ts = 1.7e9 + k * 0.2
        for runner in runners:
            runner.feed_jpeg(ts, jpeg)
            count += 1
    return count / (time.perf_counter() - t0)


async def gps_latency(jpegs: list[bytes], cameras: int, seconds: float) -> list[float]:
    video: VideoService | None = None
    evidence = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    if cameras:
        cams = [Camera(f"c{i}", f"c{i}", "push", None, None) for i in range(cameras)]
        video = VideoService(cams, VideoConfig(workers=2), evidence, lambda e: None,
                             WallClock())
        await video.start()

    async def positions(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        return web.json_response({"accepted": len(body), "rejected": []})

    async def frames(request: web.Request) -> web.Response:
        assert video is not None
        data = await request.read()
        video.push_frame(request.match_info["cam"], data, float(request.headers["X-Frame-Time"]))
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=64 << 20)
    app.router.add_post("/api/v1/positions", positions)
    app.router.add_post("/api/v1/cameras/{cam}/frames", frames)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    latencies: list[float] = []

    async def gps(session: ClientSession) -> None:
        body = orjson.dumps([{"device": f"d{i}", "ts": 1.7e9, "lat": 30.0, "lon": 120.0}
                             for i in range(10)])
        while not stop.is_set():
            t = time.perf_counter()
            async with session.post(f"{base}/api/v1/positions", data=body) as r:
                await r.read()
            latencies.append(time.perf_counter() - t)
            await asyncio.sleep(0.01)

    # The cameras push from another process, as they would over the network: their client
    # work must not be counted against the server's event loop.
    pusher = None
    if cameras:
        pusher = multiprocessing.get_context("spawn").Process(
            target=push_cameras, args=(base, cameras, jpegs, seconds + 1.0), daemon=True)
        pusher.start()
        await asyncio.sleep(1.0)  # let the pushers get going before measuring
    async with ClientSession() as session:
        task = asyncio.create_task(gps(session))
        await asyncio.sleep(seconds)
        stop.set()
        await task
    if pusher is not None:
        await asyncio.to_thread(pusher.join, 10.0)
    await runner.cleanup()
    if video is not None:
        await video.stop()
    return latencies


def push_cameras(base: str, cameras: int, jpegs: list[bytes], seconds: float) -> None:
    async def camera(session: ClientSession, i: int, end: float) -> None:
        k = 0
        while time.time() < end:
            ts = time.time()
            async with session.post(f"{base}/api/v1/cameras/c{i}/frames",
                                    data=jpegs[k % len(jpegs)],
                                    headers={"X-Frame-Time": f"{ts:.3f}",
                                             "Content-Type": "image/jpeg"}) as r:
                await r.read()
            k += 1
            await asyncio.sleep(max(0.0, 0.2 - (time.time() - ts)))

    async def run() -> None:
        end = time.time() + seconds
        async with ClientSession() as session:
            await asyncio.gather(*(camera(session, i, end) for i in range(cameras)))

    asyncio.run(run())


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000.0


def main() -> None:
    jpegs = frames_720p(20)
    size = sum(map(len, jpegs)) / len(jpegs)
    fps = throughput(jpegs)
    print(f"analysis: {fps:.0f} frames/s on one core from 1280x720 JPEG "
          f"({size / 1024:.0f} kB average), decode included; 60 cameras x 5 fps = 300 needed")
    base = asyncio.run(gps_latency(jpegs, 0, 8.0))
    loaded = asyncio.run(gps_latency(jpegs, 20, 8.0))
    print(f"GPS POST latency p99: {p99(base):.2f} ms alone, {p99(loaded):.2f} ms with 20 "
          f"cameras pushing 5 fps ({len(base)} / {len(loaded)} requests; "
          f"{os.cpu_count()} cores shared)")


if __name__ == "__main__":
    main()
