"""Reading a GeoJSON FeatureCollection strictly: ids, properties and geometries, or CityError."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from geofence.crs import Crs, to_wgs84
from geofence.errors import CityError

Coords = npt.NDArray[np.float64]
FeatureRef = str | int


def read_features(folder: Path, name: str, required: bool) -> list[dict[str, Any]] | None:
    """The features of ``folder/name``; None when an optional file is absent."""
    path = folder / name
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        if required:
            raise CityError(name, None, f"missing (a city needs {name})") from None
        return None
    except orjson.JSONDecodeError as exc:
        raise CityError(name, None, f"not valid JSON: {exc}") from None
    except OSError as exc:
        raise CityError(name, None, f"cannot read: {exc.strerror}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CityError(name, None, "not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise CityError(name, None, "FeatureCollection has no \"features\" list")
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise CityError(name, i, "not a GeoJSON Feature")
        props = feature.get("properties")
        if props is None:
            feature["properties"] = {}
        elif not isinstance(props, dict):
            raise CityError(name, i, "properties is not an object")
    return features


def feature_id(file: str, index: int, feature: dict[str, Any], seen: set[str]) -> str:
    """The feature's ``id`` property (or, failing that, its GeoJSON ``id``), unique per file."""
    props: dict[str, Any] = feature["properties"]
    fid = props.get("id", feature.get("id"))
    if fid is None:
        raise CityError(file, index, "missing id")
    if not isinstance(fid, str):
        raise CityError(file, index, f"id must be a string, got {fid!r}")
    if not fid.strip():
        raise CityError(file, index, "blank id")
    if fid in seen:
        raise CityError(file, fid, "duplicate id")
    seen.add(fid)
    return fid


def optional_str(file: str, fid: FeatureRef, props: dict[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CityError(file, fid, f"{key} must be a string, got {value!r}")
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _positions(file: str, fid: FeatureRef, coords: Any, what: str) -> Coords:
    if not isinstance(coords, list) or not coords:
        raise CityError(file, fid, f"{what}: coordinates must be a non-empty list of positions")
    for pos in coords:
        if (not isinstance(pos, list) or not 2 <= len(pos) <= 3
                or not all(_is_number(v) for v in pos)):
            raise CityError(file, fid, f"{what}: bad position {pos!r} (expected [lon, lat])")
        lon, lat = pos[0], pos[1]
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise CityError(file, fid, f"{what}: position {pos!r} is not finite")
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise CityError(file, fid, f"{what}: position {pos!r} is out of lon/lat range")
    return np.array([p[:2] for p in coords], dtype=np.float64)


def _distinct(xy: Coords) -> int:
    return len(np.unique(xy, axis=0))


def _convert(xy: Coords, crs: Crs) -> Coords:
    if crs == "wgs84":
        return xy
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
    return np.column_stack((lon, lat))


def _geometry(file: str, fid: FeatureRef, feature: dict[str, Any],
              allowed: tuple[str, ...]) -> tuple[str, Any]:
    geom = feature.get("geometry")
    if not isinstance(geom, dict):
        raise CityError(file, fid, f"missing geometry (expected {' or '.join(allowed)})")
    kind = geom.get("type")
    if kind not in allowed:
        raise CityError(file, fid, f"geometry type {kind!r} is not {' or '.join(allowed)}")
    return str(kind), geom.get("coordinates")


def _line(file: str, fid: FeatureRef, coords: Any, what: str, crs: Crs) -> Coords:
    xy = _positions(file, fid, coords, what)
    if _distinct(xy) < 2:
        raise CityError(file, fid, f"{what}: fewer than 2 distinct points")
    return _convert(xy, crs)


def parse_lines(file: str, fid: FeatureRef, feature: dict[str, Any], crs: Crs) -> BaseGeometry:
    """A road geometry (LineString or MultiLineString), converted to WGS-84."""
    kind, coords = _geometry(file, fid, feature, ("LineString", "MultiLineString"))
    if kind == "LineString":
        geom: BaseGeometry = shapely.linestrings(_line(file, fid, coords, "LineString", crs))
    else:
        if not isinstance(coords, list) or not coords:
            raise CityError(file, fid, "MultiLineString: empty geometry")
        parts = [_line(file, fid, part, f"MultiLineString part {n}", crs)
                 for n, part in enumerate(coords)]
        geom = shapely.multilinestrings([shapely.linestrings(p) for p in parts])
    if not geom.is_valid:
        raise CityError(file, fid, f"invalid geometry: {shapely.is_valid_reason(geom)}")
    return geom


def _polygon(file: str, fid: FeatureRef, coords: Any, what: str, crs: Crs) -> BaseGeometry:
    if not isinstance(coords, list) or not coords:
        raise CityError(file, fid, f"{what}: empty geometry")
    rings = []
    for n, ring in enumerate(coords):
        name = f"{what} ring {n}"
        xy = _positions(file, fid, ring, name)
        if len(xy) < 4 or _distinct(xy) < 3:
            raise CityError(file, fid, f"{name}: a ring needs at least 3 distinct points "
                            "and 4 positions")
        if not np.array_equal(xy[0], xy[-1]):
            raise CityError(file, fid, f"{name}: ring is not closed (first != last position)")
        rings.append(_convert(xy, crs))
    return shapely.polygons(rings[0], holes=rings[1:] or None)


def parse_areas(file: str, fid: FeatureRef, feature: dict[str, Any], crs: Crs) -> BaseGeometry:
    """A grid geometry (Polygon or MultiPolygon), converted to WGS-84 and checked valid."""
    kind, coords = _geometry(file, fid, feature, ("Polygon", "MultiPolygon"))
    if kind == "Polygon":
        geom = _polygon(file, fid, coords, "Polygon", crs)
    else:
        if not isinstance(coords, list) or not coords:
            raise CityError(file, fid, "MultiPolygon: empty geometry")
        geom = shapely.multipolygons([_polygon(file, fid, p, f"MultiPolygon part {n}", crs)
                                      for n, p in enumerate(coords)])
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        if "self-intersection" in why.lower():
            raise CityError(file, fid, f"self-intersecting polygon: {why}")
        raise CityError(file, fid, f"invalid polygon: {why}")
    if geom.area <= 0.0:
        raise CityError(file, fid, "polygon has no area")
    return geom


def parse_point(file: str, fid: FeatureRef, feature: dict[str, Any],
                crs: Crs) -> tuple[float, float]:
    """A camera's Point as WGS-84 (lon, lat)."""
    _, coords = _geometry(file, fid, feature, ("Point",))
    lon, lat = _convert(_positions(file, fid, [coords], "Point"), crs)[0]
    return float(lon), float(lat)
