"""Token buckets: a flooding client gets 429 (HTTP) or an error reply (WebSocket)."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    __slots__ = ("burst", "level", "monotonic", "rate", "stamp")

    def __init__(self, rate: float, burst: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.monotonic = rate, burst, monotonic
        self.level = burst
        self.stamp = monotonic()

    def take(self, amount: float = 1.0) -> float:
        """0.0 when allowed, else the seconds to wait before it would be."""
        now = self.monotonic()
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.level >= amount:
            self.level -= amount
            return 0.0
        return (amount - self.level) / self.rate


class BucketTable:
    """One bucket per client key, bounded so that many keys cannot exhaust memory."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.max_keys, self.monotonic = rate, burst, max_keys, monotonic
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str, amount: float = 1.0) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # full buckets for everyone is the safe reset
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.monotonic)
        return bucket.take(amount)
