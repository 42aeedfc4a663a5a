"""What 20 streaming cameras cost GPS ingest on the real server.

    python bench/cameras_vs_gps.py [--rate 10000] [--seconds 60] [--cameras 20]

Starts `python server.py` on a copy of the demo city with N push cameras (its video workers
analyse every frame), then measures position-sent -> live-event-seen latency at a steady GPS
rate twice: with no camera traffic, and while N cameras push 1280x720 JPEGs at 5 frames/s each
from a separate process (frames encoded beforehand, so the pusher costs little). Prints both
p50/p95/p99 and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server_load import DEVICE, SUPERVISOR, free_port, start_server, wait_ready  # noqa: E402
from geofence.city import load_city  # noqa: E402
from simulator.cameras.scene import Scene  # noqa: E402
from simulator.loadtest import LoadResult, encode_messages, throughput, walkers  # noqa: E402


def city_with_cameras(folder: Path, cameras: int) -> Path:
    city = folder / "city"
    shutil.copytree(ROOT / "cities" / "demo", city)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.9, 36.6]},
                 "properties": {"id": f"cam-{i:02d}", "name": f"camera {i}", "source": "push"}}
                for i in range(cameras)]
    (city / "cameras.geojson").write_bytes(orjson.dumps(
        {"type": "FeatureCollection", "features": features}))
    return city


def push(base: str, cameras: int, seconds: float) -> None:
    jpegs = [jpeg for _, jpeg in Scene.make(6, 1280, 720, spill=True).frames()][:50]  # daylight

    async def camera(http: aiohttp.ClientSession, i: int, end: float) -> None:
        k = 0
        while time.time() < end:
            ts = time.time()
            async with http.post(f"{base}/api/v1/cameras/cam-{i:02d}/frames",
                                 data=jpegs[k % len(jpegs)], headers={
                                     "X-Frame-Time": f"{ts:.3f}",
                                     "Content-Type": "image/jpeg"}) as resp:
                await resp.read()
            k += 1
            await asyncio.sleep(max(0.0, 0.2 - (time.time() - ts)))

    async def run() -> None:
        end = time.time() + seconds
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {DEVICE}"}) as http:
            await asyncio.gather(*(camera(http, i, end) for i in range(cameras)))

    asyncio.run(run())


async def gps(base: str, rate: float, seconds: int, t0: float, seed: int) -> LoadResult:
    city = load_city(ROOT / "cities" / "demo")
    ids, lon, lat = walkers(city, 1000, seconds * int(rate) // 1000, t0, seed=seed)
    return await throughput(base, DEVICE, SUPERVISOR, encode_messages(ids, lon, lat, t0, 100, 10),
                            rate=rate)


def line(name: str, r: LoadResult) -> str:
    return (f"{name}: {r.rate:,.0f} positions/s, latency p50 {r.percentile(50):.1f} ms, "
            f"p95 {r.percentile(95):.1f} ms, p99 {r.percentile(99):.1f} ms")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = start_server(Path(tmp), port, city_with_cameras(Path(tmp), args.cameras))
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            t0 = time.time() - 2 * 86_400
            alone = await gps(base, args.rate, args.seconds, t0, 1)
            print(line("GPS alone", alone), flush=True)
            pusher = multiprocessing.get_context("spawn").Process(
                target=push, args=(base, args.cameras, args.seconds + 15))
            pusher.start()
            await asyncio.sleep(5)  # cameras streaming and workers warm before measuring
            loaded = await gps(base, args.rate, args.seconds, t0 + 20_000, 2)
            print(line(f"GPS with {args.cameras} cameras at 5 fps", loaded), flush=True)
            pusher.join()
            ratio = loaded.percentile(99) / alone.percentile(99)
            print(f"p99 with cameras / p99 alone: {ratio:.2f}", flush=True)
        finally:
            proc.terminate()
            proc.wait(30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rate", type=float, default=10_000.0, help="GPS positions/s")
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--cameras", type=int, default=20)
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
