"""Where gridwatch keeps things in Redis: one place for every key name.

Everything a partition owns carries the partition's hash tag (`{p3}`), so on Redis Cluster a
partition lives in one hash slot and a tracker's commit (snapshot, outputs, acknowledgements) is
one single-slot MULTI. Partitions spread over the cluster's slots; the few global keys (data
clock, road rules) are small and written rarely.
"""

from __future__ import annotations

import time
import zlib

from model.clock import DAY_S

GROUP = "trackers"  # the consumer group on every position stream
DAY_MS = int(DAY_S * 1000)


def keep_min_id(keep_days: int, now: float | None = None) -> int:
    """The oldest stream id (ms) an output stream keeps: keep_days and one more day, by the
    wall clock (stream ids are wall-clock times)."""
    return int((time.time() if now is None else now) * 1000) - (keep_days + 1) * DAY_MS


def partition_of(device: str, partitions: int) -> int:
    """Stable across processes and restarts (unlike hash()): a device's fixes stay in order."""
    return zlib.crc32(device.encode()) % partitions


class Keys:
    def __init__(self, partitions: int, prefix: str = "gw") -> None:
        self.partitions = partitions
        self.prefix = prefix
        self.clock = f"{prefix}:{{clock}}:now"  # data clock: the newest position time taken
        self.started = f"{prefix}:{{clock}}:started"  # data time of the first message taken
        self.roads_lease = f"{prefix}:{{roads}}:lease"
        self.roads_snap = f"{prefix}:{{roads}}:snap"
        self.roads_out = f"{prefix}:{{roads}}:out"  # road alerts, clearings, road events
        self.roads_swept = f"{prefix}:{{roads}}:swept"  # data time the road rules reached
        self.roads_dead = f"{prefix}:{{roads}}:dead"  # passes and entries the rules refused
        self.roads_dead_count = f"{prefix}:{{roads}}:deadcount"  # by "worker|stage|reason"
        self.video_lease = f"{prefix}:{{video}}:lease"
        self.video_out = f"{prefix}:{{video}}:out"  # camera events, camera alerts, clearings
        self.evidence = f"{prefix}:{{video}}:evidence"  # evidence id -> listing entry
        self.video_dead = f"{prefix}:{{video}}:dead"  # frames the analysis could not take
        self.video_dead_count = f"{prefix}:{{video}}:deadcount"
        self.health = f"{prefix}:health"  # worker name -> its health, JSON (bus/redis_health.py)

    def _p(self, p: int) -> str:
        return f"{self.prefix}:{{p{p}}}"

    def inbox(self, p: int) -> str:
        """Positions taken by the gateways, in arrival order (the partition's journal)."""
        return f"{self._p(p)}:in"

    def snap(self, p: int) -> str:
        return f"{self._p(p)}:snap"

    def out(self, p: int) -> str:
        """Durable outputs, exactly once: passes, device alerts and clearings."""
        return f"{self._p(p)}:out"

    def live(self, p: int) -> str:
        """Position events for the live page, at least once, trimmed."""
        return f"{self._p(p)}:live"

    def dead(self, p: int) -> str:
        """Dead letters: entries and positions the partition's tracker could not take, kept
        with the stage and the error (store/deadletter.py), written in the commit that
        acknowledges them."""
        return f"{self._p(p)}:dead"

    def dead_count(self, p: int) -> str:
        """Dead letters counted by "worker|stage|reason" (for /metrics)."""
        return f"{self._p(p)}:deadcount"

    def lease(self, p: int) -> str:
        return f"{self._p(p)}:lease"

    def horizon(self, p: int) -> str:
        return f"{self._p(p)}:horizon"

    def devices(self, p: int) -> str:
        return f"{self._p(p)}:devices"

    def stats(self, p: int, date: str) -> str:
        return f"{self._p(p)}:stats:{date}"

    def track(self, p: int, date: str, device: str) -> str:
        return f"{self._p(p)}:track:{date}:{device}"
