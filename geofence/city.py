"""load_city: a city folder (docs/contract.md §1) read, checked and converted to WGS-84."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from geofence.errors import CityError
from geofence.features import (
    feature_id,
    optional_str,
    parse_areas,
    parse_lines,
    parse_point,
    read_features,
)
from geofence.model import Camera, City, CitySettings, Grid, Road, RoadClass
from geofence.projection import LocalProjection
from geofence.segments import build_segments
from geofence.settings import load_settings

log = logging.getLogger(__name__)

ROADS = "roads.geojson"
GRIDS = "grids.geojson"
CAMERAS = "cameras.geojson"
_CLASSES: tuple[RoadClass, ...] = ("main", "secondary")


def _name(file: str, fid: str, props: dict[str, Any]) -> str:
    return optional_str(file, fid, props, "name") or fid


def _load_grids(folder: Path, settings: CitySettings) -> list[Grid]:
    features = read_features(folder, GRIDS, required=True) or []
    seen: set[str] = set()
    grids = []
    for i, feature in enumerate(features):
        fid = feature_id(GRIDS, i, feature, seen)
        props = feature["properties"]
        inspectors = props.get("inspectors", [])
        if inspectors is None:
            inspectors = []
        if not isinstance(inspectors, list) or not all(
                isinstance(d, str) and d.strip() for d in inspectors):
            raise CityError(GRIDS, fid, f"inspectors must be a list of device ids, "
                            f"got {inspectors!r}")
        geometry = parse_areas(GRIDS, fid, feature, settings.input_crs)
        grids.append(Grid(id=fid, name=_name(GRIDS, fid, props), inspectors=tuple(inspectors),
                          geometry=geometry))
    return grids


def _road_class(fid: str, props: dict[str, Any]) -> RoadClass:
    value = props.get("class")
    for cls in _CLASSES:
        if value == cls:
            return cls
    if value is None:
        raise CityError(ROADS, fid, "missing class (expected 'main' or 'secondary')")
    raise CityError(ROADS, fid, f"unknown class {value!r} (expected 'main' or 'secondary')")


def _required(fid: str, props: dict[str, Any], default: int) -> int:
    value = props.get("required_passes")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CityError(ROADS, fid, f"required_passes must be a positive integer, got {value!r}")
    return value


def _load_roads(folder: Path, settings: CitySettings,
                grid_ids: set[str]) -> list[tuple[str, str, RoadClass, int, str | None,
                                                  BaseGeometry]]:
    features = read_features(folder, ROADS, required=True) or []
    seen: set[str] = set()
    roads = []
    for i, feature in enumerate(features):
        fid = feature_id(ROADS, i, feature, seen)
        props = feature["properties"]
        cls = _road_class(fid, props)
        required = _required(fid, props, settings.required_passes[cls])
        grid = optional_str(ROADS, fid, props, "grid")
        if grid is not None and grid not in grid_ids:
            raise CityError(ROADS, fid, f"grid {grid!r} is not in {GRIDS}")
        geometry = parse_lines(ROADS, fid, feature, settings.input_crs)
        roads.append((fid, _name(ROADS, fid, props), cls, required, grid, geometry))
    return roads


def _roi(fid: str, value: Any) -> tuple[tuple[float, float], ...] | None:
    if value is None:
        return None
    bad = CityError(CAMERAS, fid, f"roi must be a list of at least 3 [x, y] pixel points, "
                    f"got {value!r:.80}")
    if not isinstance(value, list) or len(value) < 3:
        raise bad
    points = []
    for p in value:
        if (not isinstance(p, list) or len(p) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)):
            raise bad
        x, y = float(p[0]), float(p[1])
        if not (0.0 <= x < float("inf") and 0.0 <= y < float("inf")):
            raise CityError(CAMERAS, fid, f"roi point {p!r} is not a pixel position (x, y >= 0)")
        points.append((x, y))
    if len(set(points)) < 3:
        raise CityError(CAMERAS, fid, "roi needs at least 3 distinct points")
    return tuple(points)


def _load_cameras(folder: Path, settings: CitySettings, road_ids: set[str]) -> list[Camera]:
    features = read_features(folder, CAMERAS, required=False)
    if features is None:
        return []
    seen: set[str] = set()
    cameras = []
    for i, feature in enumerate(features):
        fid = feature_id(CAMERAS, i, feature, seen)
        props = feature["properties"]
        source = optional_str(CAMERAS, fid, props, "source")
        if source is None or not source.strip():
            raise CityError(CAMERAS, fid, "missing source (URL, file path or \"push\")")
        road = optional_str(CAMERAS, fid, props, "road")
        if road is not None and road not in road_ids:
            raise CityError(CAMERAS, fid, f"road {road!r} is not in {ROADS}")
        roi = _roi(fid, props.get("roi"))
        point = parse_point(CAMERAS, fid, feature, settings.input_crs)
        cameras.append(Camera(id=fid, name=_name(CAMERAS, fid, props), source=source,
                              road=road, roi=roi, location=point))
    return cameras


def load_city(path: str | Path) -> City:
    """Read a city folder; raise CityError naming the file, feature and reason if it is bad."""
    folder = Path(path)
    if not folder.is_dir():
        raise CityError(str(folder), None, "no such city folder")
    settings = load_settings(folder)
    grids = _load_grids(folder, settings)
    raw_roads = _load_roads(folder, settings, {g.id for g in grids})
    cameras = _load_cameras(folder, settings, {r[0] for r in raw_roads})
    geometries = [r[5] for r in raw_roads]
    # Same centre as CityIndex uses, so Road.length_m equals CityIndex.road_length.
    proj = LocalProjection.around(geometries + [g.geometry for g in grids])
    lengths = build_segments(geometries, proj).road_length
    roads = tuple(Road(id=fid, name=name, cls=cls, required=req, grid=grid, geometry=geom,
                       length_m=float(length))
                  for (fid, name, cls, req, grid, geom), length in zip(raw_roads, lengths,
                                                                         strict=True))
    log.info("city %s: %d roads (%.1f km), %d grids, %d cameras, input %s", folder.name,
             len(roads), float(lengths.sum()) / 1000.0, len(grids), len(cameras),
             settings.input_crs)
    return City(name=folder.resolve().name, roads=roads, grids=tuple(grids),
                cameras=tuple(cameras), settings=settings)
