"""Stream a synthetic scene to a gridwatch server as a push camera.

    python -m simulator.cameras.pusher --url http://localhost:8080 --camera cam-1 \
        --token SECRET [--seed 7] [--speed 1.0] [--spill] [--width 1280]

Each frame is POSTed to /api/v1/cameras/{id}/frames as image/jpeg with X-Frame-Time (epoch s)
and a Bearer token. --speed 2 sends twice as fast as real time (frame times stay those of the
scene, so the analysis sees the same stream); --speed 0 sends as fast as the server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp

from simulator.cameras.scene import Scene

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    sent: int = 0
    refused: int = 0
    last_status: int = 0


async def push(session: aiohttp.ClientSession, url: str, camera: str, token: str,
               frames: Iterable[tuple[float, bytes]], speed: float = 1.0) -> PushResult:
    """POST frames in order, paced by their times divided by `speed`."""
    target = f"{url.rstrip('/')}/api/v1/cameras/{camera}/frames"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"}
    result = PushResult()
    loop = asyncio.get_running_loop()
    start_wall = loop.time()
    first_ts: float | None = None
    for ts, jpeg in frames:
        if first_ts is None:
            first_ts = ts
        if speed > 0:
            due = start_wall + (ts - first_ts) / speed
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        async with session.post(target, data=jpeg,
                                headers={**headers, "X-Frame-Time": f"{ts:.3f}"}) as resp:
            await resp.read()
            result.last_status = resp.status
            if resp.status < 300:
                result.sent += 1
            else:
                result.refused += 1
                log.warning("frame at %.3f refused: HTTP %d", ts, resp.status)
    return result


async def _main(args: argparse.Namespace) -> int:
    scene = Scene.make(args.seed, args.width, args.width * 9 // 16,
                       spill=True if args.spill else None, start_ts=time.time())
    print("truth:", scene.truth(), file=sys.stderr)
    async with aiohttp.ClientSession() as session:
        res = await push(session, args.url, args.camera, args.token, scene.frames(), args.speed)
    print(f"sent {res.sent} frames, refused {res.refused}")
    return 0 if res.refused == 0 else 1


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m simulator.cameras.pusher")
    ap.add_argument("--url", default="http://localhost:8080")
    ap.add_argument("--camera", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--spill", action="store_true", help="make sure the scene has a spill")
    logging.basicConfig(level=logging.INFO)
    sys.exit(asyncio.run(_main(ap.parse_args())))


if __name__ == "__main__":
    main()
