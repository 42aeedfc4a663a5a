"""Validation of JSON positions: each bad item is refused with its index, its neighbours kept."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.positions import Rejected, parse_batch, parse_position, parse_ts, unpack_body
from model.clock import ManualClock
from model.timewindow import TimeWindow

NOW = 1_790_000_000.0
WINDOW = TimeWindow(ManualClock(NOW), 300, 7, wall=ManualClock(NOW))


def good(**over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"device": "p-1", "ts": NOW - 5, "lat": 36.6, "lon": 116.9}
    item.update(over)
    return item


def known(device: str) -> bool:
    return device != "stranger"


def test_a_plain_position_is_parsed() -> None:
    pos = parse_position(good(acc=6.5, speed=1.2, heading=370.0 - 10), WINDOW, WINDOW.bounds())
    assert (pos.device, pos.ts, pos.lat, pos.lon) == ("p-1", NOW - 5, 36.6, 116.9)
    assert (pos.acc, pos.speed, pos.heading) == (6.5, 1.2, 0.0)


def test_iso_times_need_an_offset() -> None:
    assert parse_ts("2026-11-24T08:00:00+08:00") == parse_ts("2026-11-24T00:00:00Z")
    with pytest.raises(Rejected, match="offset"):
        parse_ts("2026-11-24T08:00:00")


@pytest.mark.parametrize(("over", "reason"), [
    ({"lat": math.nan}, "lat"), ({"lon": math.inf}, "lon"), ({"lat": 91.0}, "out of range"),
    ({"lon": -180.5}, "out of range"), ({"lat": "36.6"}, "number"), ({"lat": True}, "number"),
    ({"device": ""}, "device"), ({"device": 7}, "device"), ({"device": "x" * 65}, "longer"),
    ({"ts": NOW + 3600}, "future"), ({"ts": 12.0}, "2000"), ({"ts": NOW - 8 * 86_400}, "keep_days"),
    ({"device": "a/b"}, "'/'"), ({"device": "p\u202e1"}, "U\\+202E"),
    ({"device": "p\u200b"}, "200B"),
    ({"device": "p\x07"}, "U\\+0007"), ({"ts": "yesterday"}, "ISO"),
    ({"ts": None}, "epoch"), ({"acc": -1}, "acc"), ({"speed": math.nan}, "speed"),
    ({"heading": 400}, "heading"),
])
def test_bad_fields_are_refused_with_a_reason(over: dict[str, Any], reason: str) -> None:
    with pytest.raises(Rejected, match=reason):
        parse_position(good(**over), WINDOW, WINDOW.bounds())


def test_one_bad_position_never_drops_its_neighbours() -> None:
    items = [good(ts=NOW - 3), good(lat=float("nan")), "not an object", good(ts=NOW - 1),
             good(device="stranger")]
    accepted, rejected = parse_batch(items, WINDOW, known)
    assert [p.ts for p in accepted] == [NOW - 3, NOW - 1]
    assert [r["index"] for r in rejected] == [1, 2, 4]
    assert "unknown device" in rejected[2]["error"]


def test_body_shapes() -> None:
    assert unpack_body(good()) == [good()]
    assert unpack_body([good(), good()]) == [good(), good()]
    assert unpack_body({"positions": [good()]}) == [good()]
    with pytest.raises(Rejected):
        unpack_body({"positions": "nope"})
    with pytest.raises(Rejected):
        unpack_body(42)


@given(st.lists(st.one_of(
    st.none(), st.integers(), st.floats(), st.text(max_size=5),
    st.dictionaries(st.sampled_from(["device", "ts", "lat", "lon", "acc", "speed", "heading"]),
                    st.one_of(st.none(), st.floats(), st.integers(), st.text(max_size=8),
                              st.booleans()))), max_size=20))
def test_arbitrary_items_are_sorted_into_accepted_or_rejected(items: list[Any]) -> None:
    accepted, rejected = parse_batch(items, WINDOW, known)
    assert len(accepted) + len(rejected) == len(items)
    for pos in accepted:
        assert math.isfinite(pos.lat) and -90 <= pos.lat <= 90
        assert math.isfinite(pos.lon) and -180 <= pos.lon <= 180
        assert math.isfinite(pos.ts) and pos.ts <= NOW + 300
