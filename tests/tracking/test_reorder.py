"""The per-device reorder window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from model.position import Position
from tracking.reorder import DUPLICATE, HELD, LATE, ReorderState, admit, release, release_due


def pos(ts: float) -> Position:
    return Position("d", ts, 30.0, 120.0)


def test_held_until_the_window_passes_then_in_order() -> None:
    s = ReorderState()
    for ts in (100.0, 104.0, 102.0):
        assert admit(s, pos(ts)) == HELD
    assert release_due(s, 10.0) == []
    assert admit(s, pos(113.0)) == HELD
    assert [p.ts for p in release_due(s, 10.0)] == [100.0, 102.0]
    assert [p.ts for p in release(s, float("inf"))] == [104.0, 113.0]


def test_duplicates_and_late_fixes() -> None:
    s = ReorderState()
    assert admit(s, pos(100.0)) == HELD
    assert admit(s, pos(100.0)) == DUPLICATE
    release(s, 100.0)
    assert admit(s, pos(100.0)) == DUPLICATE
    assert admit(s, pos(90.0)) == LATE
    assert admit(s, pos(101.0)) == HELD


def test_tick_releases_by_the_clock() -> None:
    s = ReorderState()
    admit(s, pos(100.0))
    assert release(s, 99.0) == []
    assert [p.ts for p in release(s, 100.0)] == [100.0]
    assert s.held is None


@given(st.lists(st.integers(0, 1000), max_size=60), st.randoms())
def test_shuffled_within_the_window_releases_sorted(times: list[int], rnd: object) -> None:
    """Fixes arriving up to `window` late come out in order, each once."""
    window = 30.0
    ordered = sorted(set(times))
    arrivals = sorted(ordered, key=lambda t: t + rnd.uniform(0, window))  # type: ignore[attr-defined]
    s = ReorderState()
    out: list[float] = []
    for t in arrivals:
        assert admit(s, pos(float(t))) == HELD
        out += [p.ts for p in release_due(s, window)]
    out += [p.ts for p in release(s, float("inf"))]
    assert out == [float(t) for t in ordered]
