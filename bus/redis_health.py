"""Health across the processes of a Redis deployment (README, Failure policy).

A tracker has no HTTP port, so every worker writes its health to the hash `gw:health` (field:
its name; value: JSON with status, reasons, partitions, Redis's time) with each heartbeat. The
web and gateway processes answer /healthz with their own health and the deployment's: degraded
while a tracker says so, while a tracker that holds partitions has been silent past the lease
(kill -9, a frozen machine: its partitions are about to be taken over), while a partition has no
owner, and while Redis cannot be reached.
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


async def deployment_health(redis: Redis, keys: Keys, lease_s: float) -> list[str]:
    """What is wrong with the deployment as Redis shows it (empty: nothing)."""
    pipe = redis.pipeline(transaction=False)
    pipe.time()
    pipe.hgetall(keys.health)
    for p in range(keys.partitions):
        pipe.exists(keys.lease(p))
    replies = await pipe.execute()
    (seconds, micros), workers, leases = replies[0], replies[1], replies[2:]
    now = seconds + micros / 1e6
    reasons: list[str] = []
    stale: list[bytes] = []
    for raw_name, raw in sorted(workers.items()):
        name = raw_name.decode() if isinstance(raw_name, bytes) else str(raw_name)
        info = orjson.loads(raw)
        age = now - float(info.get("at", 0.0))
        if age > FORGET_S:
            stale.append(raw_name)
            continue
        if age > lease_s and info.get("partitions"):
            reasons.append(f"{info.get('role', 'worker')} {name}: silent for {age:.0f} s "
                           f"(partitions {info['partitions']} wait for its lease to run out)")
        elif info.get("status") != "ok" and age <= lease_s:
            reasons += [f"{info.get('role', 'worker')} {name}: {why}"
                        for why in info.get("reasons", [])]
    unowned = [p for p, held in enumerate(leases) if not held]
    if unowned:
        reasons.append(f"partitions {unowned} have no tracker")
    if stale:
        await redis.hdel(keys.health, *stale)
    return reasons
