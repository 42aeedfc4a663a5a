"""OsmAnd / Traccar Client reports -> positions.

The request URLs and JSON bodies are re-typed from Traccar's test suite: repository
traccar/traccar, src/test/java/org/traccar/protocol/OsmAndProtocolDecoderTest.java (Apache-2.0).
Expected values are read off the parameters by hand (speed: knots x 1852/3600 = m/s).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.osmand import KNOT, parse_json, parse_params, parse_timestamp
from model.position import Position
from tests.gateway.helpers import assert_sane_position

NOW = 1_750_000_000.0


def from_url(url: str) -> Position:
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    pos = parse_params(params, NOW)
    assert_sane_position(pos)
    return pos


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def test_iso_timestamp_and_negative_longitude() -> None:
    pos = from_url("/?id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z"
                   "&hdop=6.0&altitude=224.0&speed=0.0")
    assert (pos.device, pos.lat, pos.lon, pos.speed) == ("902064", 42.06288, -88.23412, 0.0)
    assert pos.ts == utc(2016, 1, 27, 18, 55, 47)
    assert pos.attrs["altitude"] == 224.0


def test_millisecond_timestamp() -> None:
    pos = from_url("/?id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579&hdop=6.0"
                   "&altitude=224.0&speed=0.0")
    assert pos.ts == pytest.approx(1442068686.579)


def test_space_separated_timestamp_read_as_utc() -> None:
    pos = from_url("/?lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7"
                   "&speed=0.0&id=353861053849681")
    assert pos.device == "353861053849681" and pos.ts == utc(2014, 6, 4, 9, 10, 11)


def test_bearing_and_speed_in_knots() -> None:
    pos = from_url("/?id=123456789012345&timestamp=1504763810&lat=40.7232948571"
                   "&lon=-74.0061408571&bearing=7.19889788244&speed=40&ignition=true&rpm=933"
                   "&fuel=24")
    assert pos.ts == 1504763810.0
    assert (pos.lat, pos.lon) == (40.7232948571, -74.0061408571)
    assert pos.speed == pytest.approx(40 * 0.514444, rel=1e-5) and pos.heading == 7.19889788244


def test_deviceid_heading_and_missing_time() -> None:
    pos = from_url("/?lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0"
                   "&deviceid=123456")
    assert (pos.device, pos.heading, pos.ts) == ("123456", 0.0, NOW)


def test_location_parameter_and_battery() -> None:
    pos = from_url("/?id=123456&timestamp=1377177267&location=60.0,30.0")
    assert (pos.lat, pos.lon, pos.ts) == (60.0, 30.0, 1377177267.0)
    batt = from_url("/?id=861001000719969&lat=41.666667&lon=-0.883333&altitude=350.059479"
                    "&speed=0.000000&batt=87")
    assert batt.attrs["battery"] == 87.0 and batt.lon == -0.883333


def test_accuracy_and_valid_flag() -> None:
    pos = from_url("/?id=7&lat=1&lon=2&timestamp=1700000000&accuracy=12.5&valid=false")
    assert pos.acc == 12.5 and pos.attrs["valid"] is False


@pytest.mark.parametrize(("url", "reason"), [
    ("/?timestamp=1377177267&lat=60.0&lon=30.0", "device id missing"),
    ("/?id=123456&timestamp=1377177267&cell=257,02,16,2224&wifi=00-14-22-01-23-45,-80",
     "lat and lon"),
    ("/?id=1&lat=91&lon=30", "lat 91 out of range"),
    ("/?id=1&lat=10&lon=nan", "finite"),
    ("/?id=1&lat=10&lon=20&timestamp=yesterday", "timestamp 'yesterday'"),
    ("/?id=1&lat=10&lon=20&timestamp=1e300", "between 2000 and 2100"),
    ("/?id=1&location=10", "lat,lon"),
    ("/?id=1&lat=10&lon=20&speed=5000", "not plausible"),
])
def test_bad_reports_say_why(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        from_url(url)


def test_json_body_transistorsoft() -> None:
    body = orjson.loads(
        '{"location":{"event":"motionchange","is_moving":false,"uuid":"0e9a2473-a9a7-4c00-997b-'
        'fb97d2154e75","timestamp":"2021-07-21T08:06:34.444Z","odometer":0,"coords":{"latitude":'
        '-6.1148096,"longitude":106.6837015,"accuracy":3.8,"speed":18.67,"speed_accuracy":0.26,'
        '"heading":63,"heading_accuracy":0.28,"altitude":35.7,"altitude_accuracy":3.8},'
        '"activity":{"type":"still","confidence":100},"battery":{"is_charging":false,'
        '"level":0.79},"extras":{}},"device_id":"8737767034"}')
    [pos] = parse_json(body, NOW)
    assert_sane_position(pos)
    assert (pos.device, pos.lat, pos.lon) == ("8737767034", -6.1148096, 106.6837015)
    assert (pos.acc, pos.speed, pos.heading) == (3.8, 18.67, 63.0)  # JSON speed is m/s
    assert pos.ts == pytest.approx(utc(2021, 7, 21, 8, 6, 34) + 0.444)
    assert pos.attrs["battery"] == 79.0 and pos.attrs["altitude"] == 35.7


def test_json_unknown_speed_and_heading() -> None:
    body = orjson.loads(
        '{"location":{"extras":{},"mock":true,"coords":{"speed_accuracy":-1,"speed":-1,'
        '"longitude":-122.406417,"ellipsoidal_altitude":0,"floor":null,"heading_accuracy":-1,'
        '"latitude":37.785834000000001,"accuracy":5,"altitude_accuracy":-1,"altitude":0,'
        '"heading":-1},"is_moving":false,"age":188,"odometer":0,"uuid":"2FB04C65-99CF-42AB-8DD3'
        '-EBCB4B108BF8","event":"motionchange","battery":{"level":-1,"is_charging":false},'
        '"activity":{"type":"unknown","confidence":100},"timestamp":"2025-05-09T04:11:30.579Z"},'
        '"device_id":"658765"}')
    [pos] = parse_json(body, NOW)
    assert pos.speed is None and pos.heading is None and "battery" not in pos.attrs
    assert pos.lat == pytest.approx(37.785834) and pos.ts == pytest.approx(
        utc(2025, 5, 9, 4, 11, 30) + 0.579)


def test_json_list_sorted_and_bad_json_shapes() -> None:
    body = {"device_id": "d", "location": [
        {"timestamp": "2024-01-01T00:00:10Z", "coords": {"latitude": 1, "longitude": 2}},
        {"timestamp": "2024-01-01T00:00:05Z", "coords": {"latitude": 1, "longitude": 2}}]}
    assert [p.ts for p in parse_json(body, NOW)] == [utc(2024, 1, 1, 0, 0, 5),
                                                     utc(2024, 1, 1, 0, 0, 10)]
    for bad, reason in (([], "object"), ({"device_id": "d"}, "location missing"),
                        ({"device_id": "d", "location": {"coords": {}}}, "latitude"),
                        ({"location": {}}, "device id")):
        with pytest.raises(ValueError, match=reason):
            parse_json(bad, NOW)


def test_timestamp_forms() -> None:
    assert parse_timestamp("1377177267") == 1377177267.0
    assert parse_timestamp("1377177267000") == 1377177267.0
    assert parse_timestamp("2024-03-01T08:00:00+08:00") == utc(2024, 3, 1, 0, 0, 0)
    assert parse_timestamp("2024-03-01 08:00:00") == utc(2024, 3, 1, 8, 0, 0)
    assert pytest.approx(0.514444, rel=1e-6) == KNOT


@given(st.dictionaries(st.sampled_from(["id", "deviceid", "lat", "lon", "location", "timestamp",
                                        "speed", "bearing", "heading", "altitude", "accuracy",
                                        "batt", "valid"]), st.text(max_size=30)))
def test_fuzz_params_parse_or_refuse(params: dict[str, str]) -> None:
    try:
        pos = parse_params(params, NOW)
    except ValueError:
        return
    assert_sane_position(pos)
