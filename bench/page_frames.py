"""Frame times of the supervisor page with 10,000 inspectors reporting once a second.

    python bench/page_frames.py [--devices 10000] [--seconds 20]

Starts the real server in-process (demo city, auto-registered devices), opens the page in
headless Chromium (/usr/bin/chromium), and posts one position per device every second while the
page measures requestAnimationFrame deltas: first with the whole city in view (all markers
drawn, no gliding), then zoomed in three levels (a few hundred markers, which glide while the
machine keeps up). Prints frame time p50 / p95 / p99 / max in ms per phase (target: p95 <= 50 ms)
and the page's own draw time; leaves a screenshot in test-artifacts/bench-page-frames.png.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geofence.city import load_city
from server import DEMO_CITY
from tests.serverkit import DEVICE, SUPERVISOR, running_server
from tests.web.pagekit import ARTIFACTS, chromium, new_page, until

MEASURE_JS = """() => {
  const b = { phase: 'city', city: { deltas: [], draws: [] }, zoomed: { deltas: [], draws: [] } };
  let last = performance.now();
  const tick = (now) => {
    b[b.phase].deltas.push(now - last); last = now; requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.gridwatch.markers.onFrame = (ms) => b[b.phase].draws.push(ms);
  window.__bench = b;
}"""
# Second half of the run: zoomed in three levels, where markers glide between fixes.
ZOOM_JS = """() => { const m = window.gridwatch.map.map;
  m.setView(m.getCenter(), m.getZoom() + 3, { animate: false });
  window.__bench.phase = 'zoomed'; }"""


def city_box(city_dir: Path) -> tuple[float, float, float, float]:
    city = load_city(city_dir)
    bounds = np.array([g.geometry.bounds for g in city.grids])
    return (float(bounds[:, 0].min()), float(bounds[:, 1].min()),
            float(bounds[:, 2].max()), float(bounds[:, 3].max()))


async def feed(base: str, n: int, seconds: int, box: tuple[float, float, float, float],
               at_half: Callable[[], Awaitable[None]]) -> int:
    """One position per device per second, walking at about 1.4 m/s in random directions."""
    rng = np.random.default_rng(7)
    lon = rng.uniform(box[0], box[2], n)
    lat = rng.uniform(box[1], box[3], n)
    heading = rng.uniform(0, 2 * np.pi, n)
    ids = [f"bench-{i:05d}" for i in range(n)]
    sent = 0
    headers = {"Authorization": f"Bearer {DEVICE}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(base, headers=headers) as http:
        start = time.monotonic()
        for second in range(seconds):
            if second == seconds // 2:
                await at_half()
            heading += rng.normal(0, 0.3, n)
            lon = np.clip(lon + 1.4e-5 * np.cos(heading), box[0], box[2])
            lat = np.clip(lat + 1.2e-5 * np.sin(heading), box[1], box[3])
            now = time.time()
            body = orjson.dumps([{"device": d, "ts": now, "lat": float(y), "lon": float(x)}
                                 for d, x, y in zip(ids, lon, lat, strict=True)])
            async with http.post("/api/v1/positions", data=body) as resp:
                resp.raise_for_status()
            sent += n
            await asyncio.sleep(max(0.0, start + second + 1 - time.monotonic()))
    return sent


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


async def main(devices: int, seconds: int) -> None:
    box = city_box(DEMO_CITY)
    with tempfile.TemporaryDirectory() as tmp:
        async with running_server(Path(tmp), devices={"auto_register": True},
                                  gateway={"rate_messages_per_s": 1e6}) as srv, \
                chromium() as browser:
            page = await new_page(browser)
            await page.set_viewport_size({"width": 1920, "height": 1080})
            await page.goto(f"{srv.base}/?token={SUPERVISOR}")
            await page.wait_for_selector("#conn.state-live")
            await page.evaluate(MEASURE_JS)
            sent = await feed(srv.base, devices, seconds, box,
                              lambda: page.evaluate(ZOOM_JS))
            await srv.settle()
            await until(page, "(n) => window.gridwatch.markers.n >= n", devices, within=30)
            stats = await page.evaluate("window.__bench")
            drawn = await page.evaluate("window.gridwatch.markers.n")
            visible = await page.evaluate("window.gridwatch.markers.visible")
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "bench-page-frames.png"))
    print(f"page frames: {devices} inspectors x 1 Hz for {seconds} s ({sent} positions sent, "
          f"{drawn} markers on the map)")
    report("whole city", stats["city"], devices)
    report("zoomed x8", stats["zoomed"], visible)
    worst = max(pct(stats[k]["deltas"][5:], 95) for k in ("city", "zoomed"))
    print(f"  target p95 <= 50 ms: {'met' if worst <= 50 else 'NOT met'} (worst p95 {worst:.1f})")


def report(name: str, phase: dict[str, list[float]], visible: int) -> None:
    deltas = phase["deltas"][5:]  # the first frames include the page settling
    draws = phase["draws"]
    slow = sum(1 for d in deltas if d > 50)
    print(f"  {name} ({visible} on screen): frame ms p50 {pct(deltas, 50):.1f}  "
          f"p95 {pct(deltas, 95):.1f}  p99 {pct(deltas, 99):.1f}  max {max(deltas):.1f}  "
          f"({len(deltas)} frames, {slow} over 50 ms); draw ms p50 {pct(draws, 50):.1f}  "
          f"p95 {pct(draws, 95):.1f} ({len(draws)} draws)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.devices, args.seconds))
