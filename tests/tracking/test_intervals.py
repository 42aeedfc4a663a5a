"""The union of covered intervals along a road."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracking.intervals import add_interval, covered_length


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
    assert total == _grid_cover(pieces)
    assert covered_length(iv) == total
    assert iv == sorted(iv)
