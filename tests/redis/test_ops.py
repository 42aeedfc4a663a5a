"""The Redis building blocks on a real redis-server: leases guard reads and commits, the sink
partitions by device and moves the data clock forwards only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bus.redis_sink import RedisSink
from model.position import Position
from store.redis_codec import decode_positions
from store.redis_keys import GROUP, Keys, partition_of
from store.redis_ops import Scripts, Writes
from tests.redisproc import RedisProcess
from tracking.devices import DeviceRegistry


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    with RedisProcess(Path(tmp_path_factory.mktemp("redis")), aof=False) as rp:
        yield rp


@pytest.fixture
async def redis(server: RedisProcess) -> AsyncIterator[Redis]:
    client = Redis.from_url(server.url)
    await client.flushall()
    yield client
    await client.aclose()


async def test_only_the_lease_holder_commits_and_reads(redis: Redis) -> None:
    scripts, keys = Scripts(redis), Keys(4)
    lease = keys.lease(1)
    assert await scripts.acquire(keys=[lease], args=["a", 1000])
    assert not await scripts.acquire(keys=[lease], args=["b", 1000])
    assert await scripts.acquire(keys=[lease], args=["a", 5000])  # its own, again: kept
    writes = Writes(lease)
    writes.add("SET", keys.snap(1), b"state")
    writes.add_many("HSET", keys.devices(1), [], [f"d{i}" for i in range(1200)], step=2)
    assert not await writes.commit(scripts, "b", 1000)
    assert await redis.get(keys.snap(1)) is None and not await redis.exists(keys.devices(1))
    assert await writes.commit(scripts, "a", 9000)
    assert await redis.get(keys.snap(1)) == b"state"
    assert await redis.hlen(keys.devices(1)) == 600
    assert await redis.pttl(lease) > 5000  # the commit renewed it

    await redis.xgroup_create(keys.inbox(1), GROUP, id="0", mkstream=True)
    await redis.xadd(keys.inbox(1), {"b": b"x"})
    assert await scripts.read(keys=[lease, keys.inbox(1)], args=["b", GROUP, 10]) == -1
    got = await scripts.read(keys=[lease, keys.inbox(1)], args=["a", GROUP, 10])
    assert got[0][1][0][1] == [b"b", b"x"]
    assert await scripts.release(keys=[lease], args=["b"]) == 0
    assert await scripts.release(keys=[lease], args=["a"]) == 1


async def test_the_sink_keeps_each_device_in_its_partition(redis: Redis) -> None:
    keys = Keys(4)
    sink = RedisSink(redis, keys, DeviceRegistry([], auto_register=True))
    first = [Position(f"dev-{i}", 1000.0 + i, 36.6, 116.9) for i in range(20)]
    await sink.submit(first)
    await sink.submit([Position("dev-3", 900.0, 36.6, 116.9)])  # late: the clock stays
    clock: Any = await redis.get(keys.clock)
    started: Any = await redis.get(keys.started)
    assert (float(clock), float(started)) == (1019.0, 1000.0)
    seen: dict[str, int] = {}
    for p in range(4):
        entries: Any = await redis.xrange(keys.inbox(p))
        for _id, fields in entries:
            for pos in decode_positions(fields[b"b"]):
                assert partition_of(pos.device, 4) == p
                seen[pos.device] = seen.get(pos.device, 0) + 1
    assert seen == {f"dev-{i}": 2 if i == 3 else 1 for i in range(20)}
