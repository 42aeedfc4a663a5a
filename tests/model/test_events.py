"""A position event's fast JSON says what its dict says, keys in the same order (what /ws/live
sends; numbers may be spelled differently, e.g. 1e+16 for 1e16)."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from bus.wire import json_text
from model.events import PositionEvent
from model.position import Position

floats = st.floats(allow_nan=False, allow_infinity=False)
maybe = st.none() | floats
names = st.none() | st.text(max_size=8)


@given(st.text(max_size=12), floats, floats, floats, maybe, maybe, maybe,
       st.dictionaries(st.sampled_from(["terminal", "alarm"]), st.text(max_size=4), max_size=2),
       names, names, st.sampled_from(["active", "idle", "off_duty"]))
def test_fast_encoding_matches_the_dict(device: str, ts: float, lat: float, lon: float,
                                        acc: float | None, speed: float | None,
                                        heading: float | None, attrs: dict[str, str],
                                        grid: str | None, road: str | None, state: str) -> None:
    event = PositionEvent(Position(device, ts, lat, lon, acc, speed, heading, attrs), grid,
                          road, state)
    fast = orjson.loads(json_text(event))
    assert fast == event.to_json()
    assert list(fast) == list(event.to_json())
