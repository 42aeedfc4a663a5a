"""The msgspec fast path accepts exactly what the item-by-item path accepts."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.fastpath import fast_decode, from_wire
from gateway.positions import parse_batch, unpack_body
from model.clock import ManualClock
from model.timewindow import TimeWindow

NOW = 1_790_000_000.0
WINDOW = TimeWindow(ManualClock(NOW), 300, 7, wall=ManualClock(NOW))


def known(device: str) -> bool:
    return not device.startswith("x")


values = st.one_of(st.none(), st.booleans(), st.integers(-200, 2_000_000_000),
                   st.floats(allow_nan=False), st.text(max_size=6),
                   st.sampled_from(["2026-11-24T08:00:00+08:00", "2026-11-24T08:00:00"]))
items = st.fixed_dictionaries(
    {"device": st.one_of(st.sampled_from(["p-1", "x-2", " ", "", " p-1", "p\u200b1", "a/b",
                                          "e\u0301", "e\u00e9", "p\u202e1", "x" * 70]),
                         values),
     "ts": st.one_of(st.floats(NOW - 8 * 86_400, NOW + 1e4), values),
     "lat": st.one_of(st.floats(-100, 100), values),
     "lon": st.one_of(st.floats(-200, 200), values)},
    optional={"acc": values, "speed": values, "heading": values, "extra": values,
              "attrs": st.one_of(values, st.fixed_dictionaries({"k": values}))})


@settings(max_examples=300)
@given(st.one_of(items, st.lists(items, max_size=6),
                 st.fixed_dictionaries({"positions": st.lists(items, max_size=6)})))
def test_fast_and_slow_paths_agree(body: Any) -> None:
    data = orjson.dumps(body)
    slow_good, slow_rejected = parse_batch(unpack_body(body), WINDOW, known)
    wire = fast_decode(data)
    if wire is None:
        assert slow_rejected, "the fast path refused a message the slow path accepts whole"
        return
    fast_good, fast_rejected = from_wire(wire, WINDOW, known)
    assert fast_good == slow_good
    assert [r["index"] for r in fast_rejected] == [r["index"] for r in slow_rejected]


def test_malformed_json_takes_the_slow_path() -> None:
    assert fast_decode(b"{broken") is None
    assert fast_decode(b"42") is None
    assert fast_decode(b'[{"device": "p", "ts": 1, "lat": 91, "lon": 0}]') is None
