"""Matching throughput and index build time for geofence.CityIndex (single core).

    python bench/match.py [--city DIR] [--batches N]

(a) points/s matching batches of 1,000 fixes (one per device, 1,000 devices) on cities/demo,
    or, when that folder is absent, on a synthetic city of the same scale (25 km^2, ~85 km of
    straight, diagonal and curved roads, 8 grids) written as GeoJSON and loaded with load_city;
(b) CityIndex build time for a city of 20,000 road segments.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geofence.city import load_city  # noqa: E402
from geofence.index import CityIndex  # noqa: E402
from geofence.model import City, CitySettings, Road  # noqa: E402
from geofence.projection import LocalProjection  # noqa: E402
from geofence.segments import build_segments  # noqa: E402

CENTRE = LocalProjection(120.15, 30.27)
SIDE = 5000.0


def _line(xy: np.ndarray) -> list[list[float]]:
    lon, lat = CENTRE.inverse(xy[:, 0] - SIDE / 2, xy[:, 1] - SIDE / 2)
    coords: list[list[float]] = np.column_stack((lon, lat)).round(7).tolist()
    return coords


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def synthetic_city(folder: Path, rng: np.random.Generator) -> Path:
    """A 5 x 5 km town: wavy main avenues, diagonals, ring arcs, secondary lanes, 8 grids."""
    roads: list[tuple[np.ndarray, str]] = []
    s = np.linspace(0, SIDE, 60)
    for c in np.arange(500.0, SIDE, 1000.0):  # avenues both ways, gently wavy
        wave = 15 * np.sin(s / 400 + c)
        roads.append((np.column_stack((s, c + wave)), "main"))
        roads.append((np.column_stack((c + wave, s)), "main"))
    roads.append((np.column_stack((s, s)), "main"))  # two diagonals
    roads.append((np.column_stack((s, SIDE - s)), "main"))
    for radius in (900.0, 1700.0):  # ring roads in arcs around the centre
        for a0 in (0.2, 1.9, 3.6, 5.1):
            a = np.linspace(a0, a0 + 1.3, 50)
            roads.append((np.column_stack((SIDE / 2 + radius * np.cos(a),
                                           SIDE / 2 + radius * np.sin(a))), "main"))
    while sum(float(np.hypot(*np.diff(r, axis=0).T).sum()) for r, _ in roads) < 85000:
        start = rng.uniform(300, SIDE - 300, 2)  # lanes: short random walks
        steps = rng.normal(0, 40, (int(rng.integers(8, 25)), 2)) + rng.normal(0, 40, 2)
        roads.append((np.clip(np.vstack((start, start + np.cumsum(steps, axis=0))), 0, SIDE),
                      "secondary"))
    grids = []
    for gx in range(4):
        for gy in range(2):
            x0, y0, x1, y1 = gx * SIDE / 4, gy * SIDE / 2, (gx + 1) * SIDE / 4, (gy + 1) * SIDE / 2
            ring = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
            grids.append(_feature({"type": "Polygon", "coordinates": [_line(ring)]},
                                  id=f"g{gx}{gy}", name=f"grid {gx}{gy}"))
    features = [_feature({"type": "LineString", "coordinates": _line(xy)}, id=f"r{i}",
                         name=f"road {i}", **{"class": cls}) for i, (xy, cls) in enumerate(roads)]
    folder.mkdir(parents=True, exist_ok=True)
    for name, feats in (("roads.geojson", features), ("grids.geojson", grids)):
        (folder / name).write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return folder


def fixes(index: CityIndex, rng: np.random.Generator, devices: int, batches: int) -> list[Any]:
    """Each device walks a road; fixes carry 5 m GPS noise, 5 % are off-road, 20 % lack heading."""
    proj = LocalProjection.around([r.geometry for r in index.roads]
                                  + [g.geometry for g in index.grids])
    seg = build_segments([r.geometry for r in index.roads], proj)
    weights = seg.length / seg.length.sum()
    where = rng.choice(len(seg), devices, p=weights)
    t = rng.uniform(0, 1, devices)
    step = rng.uniform(0.01, 0.05, devices) * rng.choice([-1, 1], devices)
    lo_x, hi_x = float(seg.x0.min()), float(seg.x0.max())
    lo_y, hi_y = float(seg.y0.min()), float(seg.y0.max())
    out = []
    for _ in range(batches):
        t = np.clip(t + step, 0, 1)
        x = seg.x0[where] + t * (seg.x1[where] - seg.x0[where]) + rng.normal(0, 5, devices)
        y = seg.y0[where] + t * (seg.y1[where] - seg.y0[where]) + rng.normal(0, 5, devices)
        off = rng.random(devices) < 0.05
        x[off] = rng.uniform(lo_x, hi_x, off.sum())
        y[off] = rng.uniform(lo_y, hi_y, off.sum())
        heading = (seg.bearing[where] + np.where(step > 0, 0, 180) + rng.normal(0, 15, devices))
        heading[rng.random(devices) < 0.2] = np.nan
        lon, lat = proj.inverse(x, y)
        out.append((lon, lat, heading % 360))
    return out


def bench_match(index: CityIndex, label: str, batches: int) -> None:
    rng = np.random.default_rng(1)
    data = fixes(index, rng, 1000, batches)
    index.match(*data[0][:2])  # warm up
    for with_heading in (True, False):
        matched = 0
        t0 = time.perf_counter()
        for lon, lat, heading in data:
            m = index.match(lon, lat, heading if with_heading else None)
            matched += int((m.road[:, 0] >= 0).sum())
        dt = time.perf_counter() - t0
        print(f"match {label}, heading={'yes' if with_heading else 'no '}: "
              f"{batches * 1000 / dt:,.0f} points/s "
              f"({dt / batches * 1000:.2f} ms per 1,000; {matched / batches / 10:.1f} % matched)")
    t0 = time.perf_counter()
    for lon, lat, _ in data:
        index.grid_of(lon, lat)
    dt = time.perf_counter() - t0
    print(f"grid_of {label}: {batches * 1000 / dt:,.0f} points/s")


def _segment_count(city: City) -> int:
    geoms = np.asarray([r.geometry for r in city.roads], dtype=object)
    return int(shapely.get_num_coordinates(geoms).sum()
               - shapely.get_num_geometries(geoms).sum())


def bench_build(rng: np.random.Generator, n_segments: int = 20000) -> None:
    proj = LocalProjection(120.15, 30.27)
    roads = []
    per_road = 20
    for i in range(n_segments // per_road):
        start = rng.uniform(-10000, 10000, 2)
        xy = np.vstack((start, start + np.cumsum(rng.normal(0, 50, (per_road, 2)), axis=0)))
        lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
        roads.append(Road(id=f"r{i}", name="", cls="main", required=5, grid=None,
                          geometry=shapely.linestrings(np.column_stack((lon, lat))),
                          length_m=0.0))
    city = City(name="build", roads=tuple(roads), grids=(), cameras=(), settings=CitySettings())
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        index = CityIndex(city)
        times.append(time.perf_counter() - t0)
    segments = len(roads) * per_road
    print(f"index build, {segments:,} segments in {len(index.roads):,} roads: "
          f"{min(times) * 1000:.0f} ms (best of 5), {np.median(times) * 1000:.0f} ms median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city", type=Path, default=Path("cities/demo"))
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        if (args.city / "roads.geojson").exists():
            folder, label = args.city, f"city {args.city}"
        else:
            folder, label = synthetic_city(Path(tmp) / "synthetic", rng), "synthetic city"
            print(f"{args.city} not found: using a synthetic city")
        t0 = time.perf_counter()
        city = load_city(folder)
        t1 = time.perf_counter()
        index = CityIndex(city)
        t2 = time.perf_counter()
    print(f"{label}: {len(city.roads)} roads, {index.road_length.sum() / 1000:.1f} km, "
          f"{_segment_count(city):,} segments, {len(city.grids)} grids; "
          f"load_city {(t1 - t0) * 1000:.0f} ms, index {(t2 - t1) * 1000:.0f} ms")
    bench_match(index, label, args.batches)
    bench_build(rng)


if __name__ == "__main__":
    main()
