"""Loading good city folders: defaults, city.toml overrides, lengths and cameras."""

from __future__ import annotations

from pathlib import Path

import pytest

from geofence.city import load_city
from geofence.errors import CityError
from tests.geofence.citykit import camera, multiroad, road, write_city


def test_defaults(tmp_path: Path) -> None:
    city = load_city(write_city(tmp_path / "smalltown"))
    assert city.name == "smalltown"
    s = city.settings
    assert s.timezone == "Asia/Shanghai"
    assert (s.window_start_min, s.window_end_min) == (450, 1110)
    assert s.required_passes == {"main": 5, "secondary": 4}
    assert s.input_crs == "wgs84"
    r1, r2, r3 = city.roads
    assert (r1.id, r1.name, r1.cls, r1.required, r1.grid) == ("r1", "road r1", "main", 5, "g1")
    assert (r2.cls, r2.required, r2.grid) == ("secondary", 4, None)
    assert r3.required == 2  # the road's own override beats the class default
    assert r1.length_m == pytest.approx(500.0, abs=0.05)
    assert r3.length_m == pytest.approx(100 * 2**0.5 + 200, abs=0.05)
    (g1,) = city.grids
    assert g1.inspectors == ("dev-1", "dev-2")
    assert city.cameras == ()


def test_city_toml_overrides(tmp_path: Path) -> None:
    toml = ('timezone = "Asia/Urumqi"\npatrol_window = "08:00-17:45"\n'
            "[required_passes]\nmain = 6\n")
    city = load_city(write_city(tmp_path, toml=toml))
    s = city.settings
    assert s.timezone == "Asia/Urumqi"
    assert (s.window_start_min, s.window_end_min) == (480, 1065)
    assert s.required_passes == {"main": 6, "secondary": 4}
    assert [r.required for r in city.roads] == [6, 4, 2]


def test_window_may_end_at_midnight(tmp_path: Path) -> None:
    city = load_city(write_city(tmp_path, toml='patrol_window = "00:00-24:00"'))
    assert (city.settings.window_start_min, city.settings.window_end_min) == (0, 1440)


def test_multilinestring_length_and_cameras(tmp_path: Path) -> None:
    roads = [multiroad("m", [(0, 0), (100, 0)], [(300, 0), (300, 50)]),
             road("r", (0, 10), (0, 20))]
    cams = [camera("c1", 50, 5, road="m", roi=[[0, 0], [640, 0], [640, 360]]),
            camera("c2", 0, 15, source="rtsp://10.0.0.5/stream")]
    city = load_city(write_city(tmp_path, roads=roads, cameras=cams))
    assert city.roads[0].length_m == pytest.approx(150.0, abs=0.02)
    c1, c2 = city.cameras
    assert (c1.road, c1.source, c1.roi) == ("m", "push", ((0, 0), (640, 0), (640, 360)))
    assert (c2.road, c2.source, c2.roi) == (None, "rtsp://10.0.0.5/stream", None)
    assert c1.location is not None
    assert c1.location == pytest.approx(tuple(city.roads[0].geometry.geoms[0].interpolate(
        0.5, normalized=True).coords[0]), abs=1e-4)


def test_empty_properties_null_and_feature_level_id(tmp_path: Path) -> None:
    r = road("x", (0, 0), (10, 0))
    del r["properties"]["id"]
    r["id"] = "from-feature"
    city = load_city(write_city(tmp_path, roads=[r]))
    assert city.roads[0].id == "from-feature"


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(CityError, match="no such city folder"):
        load_city(tmp_path / "nowhere")
