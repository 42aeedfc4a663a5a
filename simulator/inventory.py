"""python -m simulator.inventory: a 部件 (component) inventory for a city, as the GeoJSON the
case loop loads (`[cases] inventory`, or POST /api/v1/cases/inventory).

Along every road, at a regular spacing with a seeded jitter: street lamps on main roads, water,
sewage and storm-drain manhole covers, gully gratings and fire hydrants; owners as the shipped
catalogue's dispatch rules route them; about 3 % damaged and 1 % missing. Codes are 16 digits:
district (6), 大类 (2), 小类 (2), serial (6). Made up for the demo city; a county loads its own
survey instead.

    python -m simulator.inventory --out var/inventory.geojson [--city DIR] [--seed 5]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import orjson

from geofence.city import load_city
from geofence.index import CityIndex

DEMO_CITY = Path(__file__).resolve().parent.parent / "cities" / "demo"
DISTRICT = "371502"  # a made-up county code (district, 6 digits)
# (class code, owner, spacing in metres, main roads only)
KINDS = [
    ("C0110", "streetlight", 45.0, True),
    ("C0101", "water", 160.0, False),
    ("C0102", "municipal", 140.0, False),
    ("C0103", "municipal", 120.0, False),
    ("C0104", "municipal", 90.0, False),
    ("C0115", "water", 300.0, False),
]


def inventory(city_dir: Path, seed: int = 5) -> dict[str, Any]:
    city = load_city(city_dir)
    index = CityIndex(city)
    rng = random.Random(seed)
    serial: dict[str, int] = {}
    features = []
    for r, road in enumerate(index.roads):
        length = float(index.road_length[r])
        for code, owner, spacing, main_only in KINDS:
            if main_only and road.cls != "main":
                continue
            at = rng.uniform(0.2, 0.8) * spacing
            while at < length:
                lon, lat = index.road_point(r, at)
                n = serial[code] = serial.get(code, 0) + 1
                roll = rng.random()
                state = "missing" if roll < 0.01 else "damaged" if roll < 0.04 else "normal"
                features.append({"type": "Feature",
                                 "geometry": {"type": "Point",
                                              "coordinates": [round(lon, 7), round(lat, 7)]},
                                 "properties": {"code": f"{DISTRICT}{code[1:]}{n:06d}",
                                                "owner": owner, "maintainer": owner,
                                                "state": state}})
                at += spacing * rng.uniform(0.8, 1.2)
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulator.inventory", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--city", type=Path, default=DEMO_CITY)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args(argv)
    doc = inventory(args.city, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(doc))
    print(f"wrote {args.out}: {len(doc['features'])} components")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
