"""Tiny hand-built cities written as GeoJSON, placed in metres around a point in Shanghai."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geofence.projection import LocalProjection

ORIGIN = LocalProjection(121.47, 31.23)


def ll(x: float, y: float) -> list[float]:
    """[lon, lat] of the point x metres east and y metres north of ORIGIN."""
    lon, lat = ORIGIN.inverse(x, y)
    return [float(lon), float(lat)]


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def road(rid: str, *xy: tuple[float, float], cls: str = "main", **props: Any) -> dict[str, Any]:
    geom = {"type": "LineString", "coordinates": [ll(x, y) for x, y in xy]}
    return feature(geom, id=rid, name=f"road {rid}", **{"class": cls}, **props)


def multiroad(rid: str, *parts: list[tuple[float, float]], cls: str = "main",
              **props: Any) -> dict[str, Any]:
    geom = {"type": "MultiLineString",
            "coordinates": [[ll(x, y) for x, y in part] for part in parts]}
    return feature(geom, id=rid, name=f"road {rid}", **{"class": cls}, **props)


def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [ll(x0, y0), ll(x1, y0), ll(x1, y1), ll(x0, y1), ll(x0, y0)]


def grid(gid: str, *boxes: tuple[float, float, float, float], **props: Any) -> dict[str, Any]:
    if len(boxes) == 1:
        geom = {"type": "Polygon", "coordinates": [ring(*boxes[0])]}
    else:
        geom = {"type": "MultiPolygon", "coordinates": [[ring(*b)] for b in boxes]}
    return feature(geom, id=gid, name=f"grid {gid}", **props)


def camera(cid: str, x: float, y: float, **props: Any) -> dict[str, Any]:
    props.setdefault("source", "push")
    return feature({"type": "Point", "coordinates": ll(x, y)}, id=cid, name=f"cam {cid}",
                   **props)


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def default_roads() -> list[dict[str, Any]]:
    return [road("r1", (0, 0), (500, 0), grid="g1"),
            road("r2", (0, 0), (0, 400), cls="secondary"),
            road("r3", (500, 0), (600, 100), (600, 300), cls="secondary", required_passes=2)]


def default_grids() -> list[dict[str, Any]]:
    return [grid("g1", (-50, -50, 650, 450), inspectors=["dev-1", "dev-2"])]


def write_city(folder: Path, roads: list[dict[str, Any]] | None = None,
               grids: list[dict[str, Any]] | None = None,
               cameras: list[dict[str, Any]] | None = None, toml: str | None = None) -> Path:
    """Write a city folder; roads and grids default to a small valid city."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"roads.geojson": default_roads() if roads is None else roads,
             "grids.geojson": default_grids() if grids is None else grids}
    if cameras is not None:
        files["cameras.geojson"] = cameras
    for name, feats in files.items():
        (folder / name).write_text(json.dumps(collection(feats)), encoding="utf-8")
    if toml is not None:
        (folder / "city.toml").write_text(toml, encoding="utf-8")
    return folder
