"""Writing a City as the folder docs/contract.md §1 describes (GeoJSON + city.toml + README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from geofence.model import City, CitySettings


def _feature(props: dict[str, Any], geometry: dict[str, Any]) -> str:
    return json.dumps({"type": "Feature", "properties": props, "geometry": geometry},
                      ensure_ascii=False, separators=(",", ":"))


def _collection(features: list[str]) -> str:
    # One feature a line: the files stay readable and diff well when the generator changes.
    return ('{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n")


def _geometry(geom: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(mapping(geom)))  # tuples -> lists
    return out


def _toml(settings: CitySettings) -> str:
    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    passes = ", ".join(f"{k} = {v}" for k, v in settings.required_passes.items())
    return (
        "# Demo city settings; every key is spelled out with its default value.\n"
        f'timezone = "{settings.timezone}"\n'
        f'patrol_window = "{hhmm(settings.window_start_min)}-{hhmm(settings.window_end_min)}"\n'
        f"required_passes = {{ {passes} }}\n"
        f'input_crs = "{settings.input_crs}"\n')


def _readme(city: City, seed: int, lon: float, lat: float) -> str:
    km = sum(r.length_m for r in city.roads) / 1000.0
    return f"""# Demo city (generated)

A fictional Chinese county town of about 5 km x 5 km near lon {lon}, lat {lat} (WGS-84),
written by the project's own generator. Do not edit these files by hand; regenerate them:

    python -m simulator.citygen --seed {seed} --out cities/demo

- `roads.geojson`: {len(city.roads)} patrol road pieces, {km:.1f} km in all, class `main`
  (主干道: lattice arterials, ring road 环城路, diagonal 泰山大道, river bank 滨河路) or
  `secondary` (次干道/支路, some of them curved); each piece runs junction to junction inside
  one grid and carries its `grid`.
- `grids.geojson`: {len(city.grids)} responsibility grids g1..g{len(city.grids)}, two inspectors
  each (`p-g1-a`, `p-g1-b`, ...).
- `cameras.geojson`: {len(city.cameras)} push cameras on main roads with a 1280x720 ROI.
- `city.toml`: time zone, patrol window and required passes, all at their defaults.
"""


def write_city(city: City, out: Path, *, seed: int, lon: float, lat: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    roads = [_feature({"id": r.id, "name": r.name, "class": r.cls, "grid": r.grid},
                      _geometry(r.geometry)) for r in city.roads]
    grids = [_feature({"id": g.id, "name": g.name, "inspectors": list(g.inspectors)},
                      _geometry(g.geometry)) for g in city.grids]
    cams: list[str] = []
    for c in city.cameras:
        road = next(r for r in city.roads if r.id == c.road)
        # The camera stands beside its road, at the middle of the piece it watches.
        at = road.geometry.interpolate(0.5, normalized=True)
        props: dict[str, Any] = {"id": c.id, "name": c.name, "source": c.source, "road": c.road}
        if c.roi is not None:
            props["roi"] = [[round(x), round(y)] for x, y in c.roi]
        cams.append(_feature(props, {"type": "Point",
                                     "coordinates": [round(at.x, 7), round(at.y, 7)]}))
    (out / "roads.geojson").write_text(_collection(roads), encoding="utf-8")
    (out / "grids.geojson").write_text(_collection(grids), encoding="utf-8")
    (out / "cameras.geojson").write_text(_collection(cams), encoding="utf-8")
    (out / "city.toml").write_text(_toml(city.settings), encoding="utf-8")
    (out / "README.md").write_text(_readme(city, seed, lon, lat), encoding="utf-8")
