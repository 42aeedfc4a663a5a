"""Batch-mode frames: every event once, in order, each frame within FRAME_BYTES unless one event
alone is larger, and the same JSON as the event's to_json()."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from bus.wire import json_value
from model.events import PositionEvent, RoadEvent
from model.position import Position
from web.live import FRAME_BYTES, merged, pack

ids = st.text(st.characters(codec="utf-8"), min_size=1,
              max_size=40)
positions = st.builds(
    lambda dev, ts, grid, attrs: PositionEvent(Position(dev, ts, 36.6, 116.9, attrs=attrs),
                                               grid, None, "active"),
    ids, st.floats(1.7e9, 1.8e9), st.one_of(st.none(), ids),
    st.one_of(st.just({}), st.fixed_dictionaries({"terminal": ids})))
roads = st.builds(lambda road, n: RoadEvent(road, "2026-12-06", n, 2, "ok", None),
                  st.one_of(ids, st.just("r" * 20_000)), st.integers(0, 9))


@settings(max_examples=60)
@given(st.lists(st.one_of(positions, roads), max_size=400), st.integers(1, 4))
def test_frames_hold_every_event_once_in_order(events: list[PositionEvent | RoadEvent],
                                               parts: int) -> None:
    values = [json_value(e) for e in events]
    cut = len(values) // parts
    flushes = [pack(values[:cut]), pack(values[cut:])]
    for frames in [*flushes, merged(flushes[0] + flushes[1])]:
        for frame in frames:
            body = orjson.loads(frame)
            assert len(frame) <= FRAME_BYTES or len(body) == 1
    sent = [e for frame in merged(flushes[0] + flushes[1]) for e in orjson.loads(frame)]
    assert sent == [orjson.loads(orjson.dumps(e.to_json())) for e in events]
