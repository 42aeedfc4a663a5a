"""The union of covered intervals along a road."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracking.intervals import MAX_SPANS, add_interval, covered_length


def test_overlapping_and_disjoint_pieces() -> None:
    iv: list[float] = []
    assert add_interval(iv, 0.0, 10.0) == 10.0
    assert add_interval(iv, 8.0, 4.0) == 0.0  # inside, either direction
    assert add_interval(iv, 20.0, 30.0) == 10.0
    assert iv == [0.0, 10.0, 20.0, 30.0]
    assert add_interval(iv, 5.0, 25.0) == 10.0  # bridges the hole
    assert iv == [0.0, 30.0]


def _grid_cover(pieces: list[tuple[int, int]]) -> int:
    cells: set[int] = set()
    for a, b in pieces:
        cells.update(range(min(a, b), max(a, b)))
    return len(cells)


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=40))
def test_matches_a_brute_force_union(pieces: list[tuple[int, int]]) -> None:
    iv: list[float] = []
    total = 0.0
    for a, b in pieces:
        total += add_interval(iv, float(a), float(b))
    assert covered_length(iv) == total
    assert iv == sorted(iv)
    assert len(iv) <= 2 * MAX_SPANS
    union = _grid_cover(pieces)
    assert total <= union  # never more than was walked
    if all(_spans(pieces[:n]) <= MAX_SPANS for n in range(1, len(pieces) + 1)):
        assert total == union  # never more pieces than kept: nothing was forgotten


def _spans(pieces: list[tuple[int, int]]) -> int:
    """Disjoint pieces of the union (pieces that touch are one)."""
    n, end = 0, -1
    for a, b in sorted((min(p), max(p)) for p in pieces):
        if a > end:
            n += 1
        end = max(end, b)
    return n


def test_keeps_at_most_max_spans_dropping_the_shortest() -> None:
    iv: list[float] = []
    for k in range(MAX_SPANS):
        add_interval(iv, 100.0 * k, 100.0 * k + 10.0 + k)  # pieces 10, 11, ... m long
    assert len(iv) == 2 * MAX_SPANS
    # One piece more: the shortest (the first, 10 m) is forgotten, and the count says so.
    assert add_interval(iv, 5000.0, 5050.0) == 40.0
    assert len(iv) == 2 * MAX_SPANS and iv[0] == 100.0 and covered_length(iv) == sum(
        10.0 + k for k in range(1, MAX_SPANS)) + 50.0
