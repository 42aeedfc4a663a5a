"""Token buckets: bursts pass, sustained floods are told how long to wait."""

from __future__ import annotations

from gateway.ratelimit import BucketTable, TokenBucket


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_wait_then_refill() -> None:
    clock = FakeMonotonic()
    bucket = TokenBucket(rate=10.0, burst=5.0, monotonic=clock)
    assert [bucket.take() for _ in range(5)] == [0.0] * 5
    wait = bucket.take()
    assert 0.09 < wait <= 0.1
    clock.now += 0.5
    assert bucket.take() == 0.0


def test_clients_do_not_share_buckets() -> None:
    clock = FakeMonotonic()
    table = BucketTable(rate=1.0, burst=1.0, monotonic=clock)
    assert table.take("flooder") == 0.0
    assert table.take("flooder") > 0
    assert table.take("neighbour") == 0.0


def test_the_table_stays_bounded() -> None:
    table = BucketTable(rate=1.0, burst=1.0, max_keys=10, monotonic=FakeMonotonic())
    for n in range(1000):
        table.take(f"client-{n}")
    assert len(table._buckets) <= 10
