"""Write a street map as a gridwatch city folder (docs/contract.md §1), so the system under test
loads it like any user's city: roads.geojson (id, name, class, grid), grids.geojson (id, name,
inspectors) and city.toml.

Grids: the roads' own grids where the source has them (the demo city), otherwise vertical
strips of the city with about 60 roads each; a grid's area is the convex hull of its roads
grown by 40 m. Every id of the inspector pool is assigned to a grid (round robin).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from shapely.geometry import MultiLineString

from bench.judge.geo import FloatArray
from bench.judge.plans import device_ids
from bench.judge.streets import StreetMap

REQUIRED = {"main": 3, "secondary": 2}  # near what a day's walkers give (plans.TARGET_VISITS)


def assign_grids(city: StreetMap, per_grid: int = 60) -> None:
    roads = city.roads
    if all(r.grid for r in roads):
        return
    k = max(1, round(len(roads) / per_grid))
    mids = np.array([r.xy[len(r.xy) // 2, 0] for r in roads])
    edges = np.quantile(mids, np.linspace(0, 1, k + 1)[1:-1]) if k > 1 else np.array([])
    for r, x in zip(roads, mids, strict=True):
        r.grid = f"g{int(np.searchsorted(edges, x)) + 1}"


def _coords(city: StreetMap, xy: FloatArray) -> list[list[float]]:
    lon, lat = city.plane.to_lonlat(xy)
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]


def write_city(city: StreetMap, folder: Path, tz: str) -> Path:
    """The city folder at `folder` (created); returns it."""
    assign_grids(city)
    folder.mkdir(parents=True, exist_ok=True)
    by_grid: dict[str, list[int]] = defaultdict(list)
    roads = []
    for r in city.roads:
        by_grid[r.grid].append(r.index)
        roads.append({"type": "Feature", "properties": {
            "id": r.id, "name": r.name or r.id, "class": r.cls, "grid": r.grid},
            "geometry": {"type": "LineString", "coordinates": _coords(city, r.xy)}})
    ids = device_ids()
    names = sorted(by_grid)
    grids = []
    for gi, g in enumerate(names):
        hull = MultiLineString([city.roads[i].xy for i in by_grid[g]]).convex_hull.buffer(
            40.0, quad_segs=4)
        ring = np.asarray(hull.exterior.coords)
        grids.append({"type": "Feature", "properties": {
            "id": g, "name": f"{city.name} {g}", "inspectors": ids[gi::len(names)]},
            "geometry": {"type": "Polygon", "coordinates": [_coords(city, ring)]}})
    for name, feats in (("roads.geojson", roads), ("grids.geojson", grids)):
        (folder / name).write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                                              ensure_ascii=False), encoding="utf-8")
    req = ", ".join(f"{k} = {v}" for k, v in REQUIRED.items())
    (folder / "city.toml").write_text(
        f'timezone = "{tz}"\npatrol_window = "07:30-18:30"\nrequired_passes = {{ {req} }}\n'
        'input_crs = "wgs84"\n', encoding="utf-8")
    return folder
