"""Draw docs/matching.png: one noisy walk through the tracker, the roads its fixes were matched
to, and the stretches of road credited to it (python scripts/matching_picture.py [OUT]).

The scene: a walker comes from the west, keeps to the southern of two carriageways 20 m apart
while its fixes lean 6 m towards the northern one (a time-correlated error of 5 m on top), with
two multipath jumps of 45-60 m, and leaves to the east. Red dots: the fixes; blue: where the
matcher placed them; green: what was credited, junction to junction.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from shapely.geometry import LineString
from shapely.ops import substring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.patrol import AlertConfig, PatrolConfig
from geofence.index import CityIndex
from model.clock import ManualClock
from model.position import Position
from tests.tracking.helpers import at, lonlat, make_city
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker

ROADS: dict[str, Sequence[tuple[float, float]]] = {
    "north": [(0.0, 0.0), (60.0, 20.0), (340.0, 20.0), (400.0, 0.0)],
    "south": [(0.0, 0.0), (60.0, -20.0), (340.0, -20.0), (400.0, 0.0)],
    "west": [(-150.0, 0.0), (0.0, 0.0)],
    "east": [(400.0, 0.0), (550.0, 0.0)],
}
ROUTE = [(-150.0, 0.0), (0.0, 0.0), (60.0, -20.0), (340.0, -20.0), (400.0, 0.0), (550.0, 0.0)]
SCALE, PAD, W, H = 1.6, 40, 1100, 260
LEAN = 6.0  # metres towards the northern carriageway


def fixes(seed: int = 7) -> list[Position]:
    rng = random.Random(seed)
    line = LineString(ROUTE)
    out, ex, ey = [], 0.0, 0.0
    for k in range(int(line.length / 1.4)):
        d = k * 1.4
        p, q = line.interpolate(d), line.interpolate(min(d + 1.0, line.length))
        nx, ny = -(q.y - p.y), q.x - p.x
        norm = math.hypot(nx, ny) or 1.0
        ex = 0.95 * ex + rng.gauss(0.0, 5.0 * math.sqrt(1 - 0.95 ** 2))
        ey = 0.95 * ey + rng.gauss(0.0, 5.0 * math.sqrt(1 - 0.95 ** 2))
        x, y = p.x + LEAN * nx / norm + ex, p.y + LEAN * ny / norm + ey
        if k in (130, 260):  # multipath
            x, y = x + 30.0, y + 45.0
        lon, lat = lonlat(x, y)
        out.append(Position("insp-1", at("09:00") + k, lat, lon, acc=8.0, speed=1.4))
    return out


def main() -> None:
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/matching.png")
    city = make_city(ROADS)
    index = CityIndex(city)
    clock = ManualClock(at("08:59"))
    tracker = Tracker(index, PatrolConfig(), AlertConfig(), DeviceRegistry(index.grids), clock)
    steps: list[tuple[int, float, bool]] = []
    count = tracker.ctx.counter.step

    def record(ps, device, ts, day, road, off, exact=False, speed=-1.0):  # type: ignore[no-untyped-def]
        steps.append((road, off, exact))
        return count(ps, device, ts, day, road, off, exact, speed)

    tracker.ctx.counter.step = record  # type: ignore[method-assign]
    walk = fixes()
    for i in range(0, len(walk), 20):
        clock.set(walk[min(i + 20, len(walk)) - 1].ts)
        tracker.ingest(walk[i:i + 20])
        tracker.tick()
    tracker.flush()

    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)

    def px(x: float, y: float) -> tuple[float, float]:
        return PAD + (x + 150.0) * SCALE, H / 2 - y * SCALE

    for rid, pts in ROADS.items():
        draw.line([px(*p) for p in pts], fill=(170, 170, 170), width=3)
        mx, my = pts[len(pts) // 2] if len(pts) > 2 else pts[0]
        draw.text(px(mx + 5, my + (12 if rid != "south" else -8)), rid, fill=(90, 90, 90))
    # Credited stretches: consecutive steps on one road (what the pass counter unions).
    lines = {i: LineString(ROADS[r.id]) for i, r in enumerate(index.roads)}
    for (r0, o0, _), (r1, o1, _) in itertools.pairwise(steps):
        if r0 == r1 and o0 != o1:
            seg = substring(lines[r0], min(o0, o1), max(o0, o1))
            if seg.length > 0:
                draw.line([px(*c) for c in seg.coords], fill=(40, 170, 60), width=7)
    for p in walk:
        x, y = index.project(p.lon, p.lat)
        cx, cy = px(float(x), float(y))
        draw.ellipse([cx - 2, cy - 2, cx + 2, cy + 2], fill=(220, 40, 40))
    for road, off, exact in steps:
        x, y = lines[road].interpolate(off).coords[0]
        cx, cy = px(x, y)
        r = 4 if exact else 1.5
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(30, 70, 200))
    rows = {r["road"]: r["passes"] for r in tracker.compliance("2026-03-02", now=at("12:00"))}
    draw.text((PAD, 10), "red: fixes (6 m towards the northern carriageway, 5 m drift, two "
              "jumps) · blue: matched places (large: junctions) · green: credited", fill="black")
    draw.text((PAD, H - 20), "passes: " + ", ".join(f"{k} {v}" for k, v in rows.items()),
              fill="black")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    img.save(out_path)
    print(f"{out_path}: passes {rows}; {len(walk)} fixes, "
          f"{int(np.sum([s[2] for s in steps]))} junction steps")


if __name__ == "__main__":
    main()
