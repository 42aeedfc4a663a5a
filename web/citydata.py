"""The city's own data as one GeoJSON document for the page (the map needs no tile server)."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping

from geofence.model import City


def city_geojson(city: City) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    for grid in city.grids:
        features.append({"type": "Feature", "geometry": mapping(grid.geometry), "properties": {
            "kind": "grid", "id": grid.id, "name": grid.name,
            "inspectors": list(grid.inspectors)}})
    for road in city.roads:
        features.append({"type": "Feature", "geometry": mapping(road.geometry), "properties": {
            "kind": "road", "id": road.id, "name": road.name, "class": road.cls,
            "grid": road.grid, "required": road.required, "length_m": round(road.length_m, 1)}})
    return {"type": "FeatureCollection", "name": city.name, "features": features,
            "cameras": [{"id": c.id, "name": c.name, "road": c.road,
                         "lon": c.location[0] if c.location else None,
                         "lat": c.location[1] if c.location else None} for c in city.cameras],
            "settings": {"timezone": city.settings.timezone,
                         "window_start_min": city.settings.window_start_min,
                         "window_end_min": city.settings.window_end_min}}
