"""Health across the processes of a Redis deployment (README, Failure policy).

A tracker has no HTTP port, so every worker writes its health to the hash `gw:health` (field:
its name; value: JSON with status, reasons, partitions, Redis's time) with each heartbeat. The
web and gateway processes answer /healthz with their own health and the deployment's: degraded
while a tracker says so, while a tracker that holds partitions has been silent past the lease
(kill -9, a frozen machine: its partitions are about to be taken over), while a partition has had
no owner for longer than a lease, and while Redis cannot be reached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from store.redis_keys import Keys

FORGET_S = 600.0  # a worker silent this long is forgotten (stopped for good)


async def publish_health(redis: Redis, keys: Keys, name: str, role: str,
                         status: dict[str, Any]) -> None:
    await redis.hset(keys.health, name, orjson.dumps({"role": role, **status}))


class DeploymentHealth:
    """What is wrong with the deployment as Redis shows it. A partition handed from one
    tracker to another has no owner for a moment: it counts once unowned for a lease."""

    def __init__(self, redis: Redis, keys: Keys, lease_s: float) -> None:
        self.redis, self.keys, self.lease_s = redis, keys, lease_s
        self._unowned_since: dict[int, float] = {}

    async def reasons(self) -> list[str]:
        """Empty: nothing wrong."""
        keys = self.keys
        pipe = self.redis.pipeline(transaction=False)
        pipe.time()
        pipe.hgetall(keys.health)
        for p in range(keys.partitions):
            pipe.get(keys.lease(p))
        replies = await pipe.execute()
        (seconds, micros), workers, leases = replies[0], replies[1], replies[2:]
        now = seconds + micros / 1e6
        owners: dict[str, list[int]] = {}  # worker -> the partitions it holds
        for p, raw in enumerate(leases):
            if raw is not None:
                owners.setdefault(raw.decode() if isinstance(raw, bytes) else str(raw),
                                  []).append(p)
        reasons = await self._workers(workers, now, owners)
        trackers = any(orjson.loads(raw).get("role") == "tracker" and
                       now - float(orjson.loads(raw).get("at", 0.0)) <= self.lease_s
                       for raw in workers.values())
        for p, held in enumerate(leases):
            if held:
                self._unowned_since.pop(p, None)
            else:
                self._unowned_since.setdefault(p, now)
        unowned = [p for p, since in sorted(self._unowned_since.items())
                   if not trackers or now - since > self.lease_s]
        if unowned:
            reasons.append(f"partitions {unowned} have no tracker" + (
                "" if trackers else " (no tracker is running)"))
        return reasons

    async def _workers(self, workers: dict[bytes, bytes], now: float,
                       owners: dict[str, list[int]]) -> list[str]:
        lease_s = self.lease_s
        reasons: list[str] = []
        stale: list[bytes] = []
        for raw_name, raw in sorted(workers.items()):
            name = raw_name.decode() if isinstance(raw_name, bytes) else str(raw_name)
            info = orjson.loads(raw)
            age = now - float(info.get("at", 0.0))
            if age > FORGET_S:
                stale.append(raw_name)
                continue
            # Heartbeats come every lease_s / 3: half a lease without one, and its leases not
            # yet run out, is a worker that stopped (or stalled) with partitions in hand.
            if age > lease_s / 2 and name in owners:
                reasons.append(f"{info.get('role', 'worker')} {name}: silent for {age:.1f} s "
                               f"(partitions {owners[name]} wait for its leases to run "
                               "out)")
            elif info.get("status") != "ok" and age <= lease_s:
                reasons += [f"{info.get('role', 'worker')} {name}: {why}"
                            for why in info.get("reasons", [])]
        if stale:
            await self.redis.hdel(self.keys.health, *stale)
        return reasons
