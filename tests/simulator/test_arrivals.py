"""Delivering fixes batched, late and out of order, as phones do."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.position import Position
from simulator.arrivals import arrivals, in_arrival_order, iter_batches


def _fixes(n: int = 600, devices: tuple[str, ...] = ("a", "b")) -> list[Position]:
    return [Position(d, 1000.0 + t, 36.6, 116.9 + t * 1e-5) for t in range(n) for d in devices]


@given(st.integers(0, 50), st.integers(1, 20))
def test_batches_keep_every_position_in_order(n: int, size: int) -> None:
    fixes = _fixes(n, ("a",))
    batches = list(iter_batches(fixes, size))
    assert [p for b in batches for p in b] == fixes
    assert all(1 <= len(b) <= size for b in batches)
    assert all(len(b) == size for b in batches[:-1])


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        next(iter_batches(_fixes(3), 0))


def test_plain_arrival_is_late_but_in_order_per_device() -> None:
    got = arrivals(_fixes(), seed=1)
    assert [a.at for a in got] == sorted(a.at for a in got)
    assert all(0.2 <= a.at - a.position.ts <= 1.5 for a in got)
    per_device = [a.position.ts for a in got if a.position.device == "a"]
    # A latency spread of 1.3 s can swap neighbours a second apart, never more.
    assert all(later > earlier - 1.31 for earlier, later in itertools.pairwise(per_device))


def test_jitter_reorders_within_its_window_only() -> None:
    fixes = _fixes()
    got = [a.position for a in arrivals(fixes, seed=2, jitter_s=8.0)]
    assert sorted(got, key=lambda p: (p.ts, p.device)) == fixes
    ts = [p.ts for p in got if p.device == "a"]
    assert any(b < a for a, b in itertools.pairwise(ts))  # really out of order
    newest = float("-inf")
    for t in ts:
        assert t > newest - 8.0 - 1.3 - 1e-9  # never older than the window allows
        newest = max(newest, t)


def test_an_offline_device_sends_its_buffer_late_in_one_burst() -> None:
    fixes = _fixes()
    got = arrivals(fixes, seed=3, offline=[("b", 1100.0)])
    late = [a for a in got if a.position.device == "b" and 1100.0 <= a.position.ts < 1280.0]
    assert len(late) == 180
    assert all(a.at >= 1280.0 for a in late)
    assert [a.position.ts for a in late] == sorted(a.position.ts for a in late)
    on_time = [a for a in got if a.position.device == "a"]
    assert all(a.at - a.position.ts <= 1.5 for a in on_time)
    custom = arrivals(fixes, seed=3, offline=[("a", 1000.0, 30.0)])
    assert sum(a.at >= 1030.0 and a.position.ts < 1030.0 for a in custom
               if a.position.device == "a") == 30
    assert list(in_arrival_order(fixes, seed=3, offline=[("b", 1100.0)])) == \
        [a.position for a in got]


def test_bad_delays_are_refused() -> None:
    with pytest.raises(ValueError):
        arrivals(_fixes(3), jitter_s=-1.0)
    with pytest.raises(ValueError):
        arrivals(_fixes(3), latency_s=(2.0, 1.0))
