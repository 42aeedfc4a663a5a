"""GCJ-02 / BD-09 conversion against prcoords, and city files in those datums."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import prcoords
import pytest

from geofence.city import load_city
from geofence.crs import Crs, from_wgs84, point_to_wgs84, to_wgs84
from tests.geofence.citykit import camera, collection, default_grids, default_roads, write_city

EARTH_R = 6371000.0


def metres(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2)
    return np.asarray(2 * EARTH_R * np.arcsin(np.sqrt(h)))


@pytest.fixture(scope="module")
def china() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.uniform(73.0, 135.0, 1500), rng.uniform(18.0, 53.5, 1500)


@pytest.mark.parametrize(("crs", "inverse", "forward"), [
    ("gcj02", prcoords.gcj_wgs_bored, prcoords.wgs_gcj),
    ("bd09", prcoords.bd_wgs_bored, prcoords.wgs_bd),
])
def test_agrees_with_prcoords(china: tuple[np.ndarray, np.ndarray], crs: Crs,
                              inverse: Any, forward: Any) -> None:
    lon, lat = china
    ref = np.array([inverse((a, o)) for o, a in zip(lon, lat, strict=True)])  # (lat, lon)
    got_lon, got_lat = to_wgs84(lon, lat, crs)
    assert metres(got_lon, got_lat, ref[:, 1], ref[:, 0]).max() < 0.5
    fwd = np.array([forward((a, o)) for o, a in zip(lon, lat, strict=True)])
    f_lon, f_lat = from_wgs84(lon, lat, crs)
    assert metres(f_lon, f_lat, fwd[:, 1], fwd[:, 0]).max() < 0.01
    # The shift is real (tens to hundreds of metres), and the inverse undoes the forward exactly.
    assert metres(lon, lat, f_lon, f_lat).min() > 10
    back_lon, back_lat = to_wgs84(f_lon, f_lat, crs)
    assert metres(lon, lat, back_lon, back_lat).max() < 0.001


def test_outside_china_gcj02_is_unchanged_like_prcoords() -> None:
    lon = np.array([2.35, -74.0, 151.2, 139.7])
    lat = np.array([48.85, 40.7, -33.9, 35.7])
    got_lon, got_lat = to_wgs84(lon, lat, "gcj02")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prcoords warns about non-Chinese coordinates
        ref = [prcoords.gcj_wgs((a, o)) for o, a in zip(lon, lat, strict=True)]
    assert got_lon.tolist() == [r.lon for r in ref] == lon.tolist()
    assert got_lat.tolist() == [r.lat for r in ref] == lat.tolist()


def test_wgs84_identity_scalar_and_unknown() -> None:
    lon, lat = to_wgs84([121.5], [31.2], "wgs84")
    assert (lon.tolist(), lat.tolist()) == ([121.5], [31.2])
    ref = prcoords.gcj_wgs_bored((31.2, 121.5))
    got = point_to_wgs84(121.5, 31.2, "gcj02")
    assert metres(got[0], got[1], ref.lon, ref.lat) < 0.5
    with pytest.raises(ValueError, match="unknown crs"):
        to_wgs84([1.0], [2.0], "utm")


def shifted(features: list[dict[str, Any]], crs: Crs) -> list[dict[str, Any]]:
    """The same features as a Chinese map app would export them in ``crs``."""
    def move(c: Any) -> Any:
        if isinstance(c[0], int | float):
            lon, lat = from_wgs84(c[0], c[1], crs)
            return [float(lon), float(lat)]
        return [move(p) for p in c]
    out: list[dict[str, Any]] = json.loads(json.dumps(features))
    for f in out:
        f["geometry"]["coordinates"] = move(f["geometry"]["coordinates"])
    return out


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_shifted_city_loads_to_the_wgs84_geometry(tmp_path: Path, crs: Crs) -> None:
    roads, grids, cams = default_roads(), default_grids(), [camera("c", 100, 5)]
    plain = load_city(write_city(tmp_path / "wgs", roads=roads, grids=grids, cameras=cams))
    folder = write_city(tmp_path / crs, roads=shifted(roads, crs), grids=shifted(grids, crs),
                        cameras=shifted(cams, crs), toml=f'input_crs = "{crs}"')
    moved = load_city(folder)
    assert moved.settings.input_crs == crs
    pairs = [(a.geometry, b.geometry) for a, b in zip(plain.roads, moved.roads, strict=True)]
    pairs += [(a.geometry.exterior, b.geometry.exterior)
              for a, b in zip(plain.grids, moved.grids, strict=True)]
    for ga, gb in pairs:
        pa, pb = np.asarray(ga.coords), np.asarray(gb.coords)
        assert metres(pa[:, 0], pa[:, 1], pb[:, 0], pb[:, 1]).max() < 1.0
    for ra, rb in zip(plain.roads, moved.roads, strict=True):
        assert rb.length_m == pytest.approx(ra.length_m, abs=0.1)
    ca, cb = plain.cameras[0].location, moved.cameras[0].location
    assert ca is not None and cb is not None
    assert metres(ca[0], ca[1], cb[0], cb[1]) < 1.0
    # Read as WGS-84, the same shifted files would sit hundreds of metres off.
    (folder / "city.toml").unlink()
    wrong = load_city(folder)
    c = np.asarray(wrong.roads[0].geometry.coords)
    d = np.asarray(plain.roads[0].geometry.coords)
    assert metres(c[:, 0], c[:, 1], d[:, 0], d[:, 1]).min() > 100


def test_collection_helper_is_geojson() -> None:
    assert collection([])["type"] == "FeatureCollection"
