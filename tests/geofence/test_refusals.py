"""Bad city data is refused with an error naming the file, the feature and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geofence.city import load_city
from geofence.errors import CityError
from tests.geofence.citykit import (
    camera,
    collection,
    default_grids,
    default_roads,
    feature,
    grid,
    ll,
    road,
    write_city,
)


def refused(tmp_path: Path, **files: Any) -> CityError:
    with pytest.raises(CityError) as info:
        load_city(write_city(tmp_path, **files))
    return info.value


def with_road(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [*default_roads(), r]


def geom(kind: str, coordinates: Any) -> dict[str, Any]:
    return {"type": kind, "coordinates": coordinates}


def line_road(rid: str, coordinates: Any, kind: str = "LineString") -> dict[str, Any]:
    return feature(geom(kind, coordinates), id=rid, name=rid, **{"class": "main"})


BOWTIE = [ll(0, 0), ll(100, 100), ll(100, 0), ll(0, 100), ll(0, 0)]

ROAD_CASES: list[tuple[str, dict[str, Any], str | int, str]] = [
    ("unknown class", road("r9", (0, 0), (9, 9), cls="highway"), "r9", "unknown class 'highway'"),
    ("missing class", feature(geom("LineString", [ll(0, 0), ll(9, 9)]), id="r9"), "r9",
     "missing class"),
    ("missing id", feature(geom("LineString", [ll(0, 0), ll(9, 9)]), **{"class": "main"}), 3,
     "missing id"),
    ("blank id", road("  ", (0, 0), (9, 9)), 3, "blank id"),
    ("numeric id", road(7, (0, 0), (9, 9)), 3, "id must be a string"),  # type: ignore[arg-type]
    ("duplicate id", road("r1", (0, 0), (9, 9)), "r1", "duplicate id"),
    ("zero passes", road("r9", (0, 0), (9, 9), required_passes=0), "r9", "required_passes"),
    ("float passes", road("r9", (0, 0), (9, 9), required_passes=2.5), "r9", "required_passes"),
    ("bool passes", road("r9", (0, 0), (9, 9), required_passes=True), "r9", "required_passes"),
    ("polygon road", feature(geom("Polygon", [BOWTIE]), id="r9", **{"class": "main"}), "r9",
     "geometry type 'Polygon' is not LineString or MultiLineString"),
    ("no geometry", feature(None, id="r9", **{"class": "main"}), "r9", "missing geometry"),
    ("one point", line_road("r9", [ll(0, 0)]), "r9", "fewer than 2 distinct points"),
    ("repeated point", line_road("r9", [ll(0, 0), ll(0, 0)]), "r9", "fewer than 2 distinct"),
    ("empty coords", line_road("r9", []), "r9", "non-empty list"),
    ("string coord", line_road("r9", [["121.4", "31.2"], ll(5, 5)]), "r9", "bad position"),
    ("lat out of range", line_road("r9", [[121.4, 95.0], ll(5, 5)]), "r9", "out of lon/lat"),
    ("lon out of range", line_road("r9", [[181.0, 31.0], ll(5, 5)]), "r9", "out of lon/lat"),
    ("empty multi", line_road("r9", [], "MultiLineString"), "r9", "empty geometry"),
    ("bad multi part", line_road("r9", [[ll(0, 0), ll(5, 0)], [ll(9, 9)]], "MultiLineString"),
     "r9", "part 1: fewer than 2 distinct points"),
    ("unknown grid", road("r9", (0, 0), (9, 9), grid="g7"), "r9", "grid 'g7' is not in"),
]


@pytest.mark.parametrize(("new_road", "fid", "reason"), [c[1:] for c in ROAD_CASES],
                         ids=[c[0] for c in ROAD_CASES])
def test_bad_roads(tmp_path: Path, new_road: dict[str, Any], fid: str | int,
                   reason: str) -> None:
    err = refused(tmp_path, roads=with_road(new_road))
    assert (err.file, err.feature) == ("roads.geojson", fid)
    assert reason in err.reason
    assert str(err).startswith(f"roads.geojson: feature {fid!r}: " if isinstance(fid, str)
                               else f"roads.geojson: feature #{fid}: ")


def test_message_format(tmp_path: Path) -> None:
    err = refused(tmp_path, roads=with_road(road("r12", (0, 0), (9, 9), cls="highway")))
    assert str(err).startswith("roads.geojson: feature 'r12': unknown class 'highway'")
    assert isinstance(err, ValueError)


def test_self_intersecting_grid(tmp_path: Path) -> None:
    bad = feature(geom("Polygon", [BOWTIE]), id="g2", name="bowtie")
    err = refused(tmp_path, grids=[*default_grids(), bad])
    assert (err.file, err.feature) == ("grids.geojson", "g2")
    assert "self-intersecting" in err.reason and "Self-intersection" in err.reason


@pytest.mark.parametrize(("coords", "reason"), [
    ([[ll(0, 0), ll(9, 0), ll(9, 9), ll(0, 9)]], "not closed"),
    ([[ll(0, 0), ll(9, 0), ll(0, 0)]], "at least 3 distinct points"),
    ([], "empty geometry"),
])
def test_bad_grid_polygons(tmp_path: Path, coords: Any, reason: str) -> None:
    err = refused(tmp_path, grids=[feature(geom("Polygon", coords), id="g1")])
    assert (err.file, err.feature) == ("grids.geojson", "g1")
    assert reason in err.reason


def test_grid_of_wrong_type_and_bad_inspectors(tmp_path: Path) -> None:
    err = refused(tmp_path, grids=[feature(geom("Point", ll(0, 0)), id="g1")])
    assert (err.feature, "geometry type 'Point'" in err.reason) == ("g1", True)
    err = refused(tmp_path / "b", grids=[grid("g1", (0, 0, 9, 9), inspectors="dev-1")])
    assert (err.file, err.feature) == ("grids.geojson", "g1")
    assert "inspectors" in err.reason


CAMERA_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("no source", camera("c1", 0, 0, source=None), "missing source"),
    ("blank source", camera("c1", 0, 0, source=" "), "missing source"),
    ("unknown road", camera("c1", 0, 0, road="r404"), "road 'r404' is not in"),
    ("short roi", camera("c1", 0, 0, roi=[[0, 0], [10, 0]]), "roi"),
    ("text roi", camera("c1", 0, 0, roi=[[0, 0], [10, "a"], [5, 5]]), "roi"),
    ("negative roi", camera("c1", 0, 0, roi=[[0, 0], [10, -1], [5, 5]]), "pixel position"),
    ("line camera", feature(geom("LineString", [ll(0, 0), ll(1, 1)]), id="c1", source="push"),
     "geometry type 'LineString' is not Point"),
]


@pytest.mark.parametrize(("cam", "reason"), [c[1:] for c in CAMERA_CASES],
                         ids=[c[0] for c in CAMERA_CASES])
def test_bad_cameras(tmp_path: Path, cam: dict[str, Any], reason: str) -> None:
    err = refused(tmp_path, cameras=[cam])
    assert (err.file, err.feature) == ("cameras.geojson", "c1")
    assert reason in err.reason


@pytest.mark.parametrize("missing", ["roads.geojson", "grids.geojson"])
def test_missing_required_file(tmp_path: Path, missing: str) -> None:
    folder = write_city(tmp_path)
    (folder / missing).unlink()
    with pytest.raises(CityError) as info:
        load_city(folder)
    assert (info.value.file, info.value.feature) == (missing, None)
    assert "missing" in info.value.reason


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"type": "Feature", "geometry": None, "properties": {}}),
     "not a GeoJSON FeatureCollection"),
    (json.dumps([1, 2]), "not a GeoJSON FeatureCollection"),
    (json.dumps({"type": "FeatureCollection"}), "no \"features\" list"),
])
def test_unreadable_collections(tmp_path: Path, content: str, reason: str) -> None:
    folder = write_city(tmp_path)
    (folder / "roads.geojson").write_text(content, encoding="utf-8")
    with pytest.raises(CityError) as info:
        load_city(folder)
    assert (info.value.file, info.value.feature) == ("roads.geojson", None)
    assert reason in info.value.reason


def test_not_a_feature(tmp_path: Path) -> None:
    folder = write_city(tmp_path)
    (folder / "roads.geojson").write_text(json.dumps(collection([{"type": "Point"}])),
                                          encoding="utf-8")
    with pytest.raises(CityError) as info:
        load_city(folder)
    assert (info.value.feature, info.value.reason) == (0, "not a GeoJSON Feature")


@pytest.mark.parametrize(("toml", "reason"), [
    ('timezone = "Mars/Olympus"', "not a known time zone"),
    ("timezone = 8", "timezone must be"),
    ('patrol_window = "18:30-07:30"', "must start before it ends"),
    ('patrol_window = "7h-18h"', "is not \"HH:MM-HH:MM\""),
    ('patrol_window = "07:30-25:00"', "impossible time"),
    ("required_passes = {main = 0}", "required_passes.main must be a positive integer"),
    ("required_passes = {main = 2.5}", "required_passes.main must be a positive integer"),
    ("required_passes = {bus = 2}", "unknown road class 'bus'"),
    ("required_passes = 5", "must be a table"),
    ('input_crs = "utm"', "input_crs 'utm' is not one of"),
    ("colour = 'red'", "unknown key 'colour'"),
    ("timezone = ", "not valid TOML"),
])
def test_bad_city_toml(tmp_path: Path, toml: str, reason: str) -> None:
    err = refused(tmp_path, toml=toml)
    assert err.file == "city.toml"
    assert reason in err.reason
