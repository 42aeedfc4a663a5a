"""The Redis building blocks on a real redis-server: leases guard reads and commits, the sink
partitions by device and moves the data clock forwards only."""

from __future__ import annotations

import asyncio
import base64
import pickle
from array import array
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from bus.redis_roles import redact
from bus.redis_sink import RedisSink
from bus.redis_tracker import TrackerWorker
from bus.wire import decode_positions
from config import testfaults
from config.server import Config
from geofence.city import load_city
from geofence.index import CityIndex
from model.position import Position
from server import DEMO_CITY
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


def test_passwords_never_reach_a_message() -> None:
    assert redact("redis://:s3cret@db:6379/0") == "redis://***@db:6379/0"
    assert redact("redis://app:s3cret@db/0") == "redis://app:***@db/0"
    assert redact("redis://db:6379/0?password=s3cret&db=1") == \
        "redis://db:6379/0?password=***&db=1"


CFG = {"server": {"clock": "data"}, "devices": {"auto_register": True},
       "redis": {"partitions": 2, "commit_interval_s": 0.05}}


async def track(redis: Redis, worker: TrackerWorker, p: int, positions: int) -> None:
    """Run the worker until `positions` are tracked and partition p has nothing pending."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    async with asyncio.timeout(30):
        while True:
            groups: Any = await redis.xinfo_groups(worker.keys.inbox(p))
            if worker.processed >= positions and groups[0]["pending"] == 0 and \
                    groups[0]["lag"] == 0:
                break
            await asyncio.sleep(0.05)
    stop.set()
    await task
    assert not task.exception()


async def dead_letters(redis: Redis, keys: Keys, p: int) -> list[dict[str, Any]]:
    entries: Any = await redis.xrange(keys.dead(p))
    return [orjson.loads(fields[b"d"]) for _id, fields in entries]


async def test_an_entry_that_is_not_positions_is_dead_lettered_not_fatal(redis: Redis) -> None:
    cfg = Config.model_validate(CFG)
    keys = Keys(2)
    index = CityIndex(load_city(DEMO_CITY), cfg.patrol.match_tolerance)
    worker = TrackerWorker(redis, keys, cfg, index)
    p = partition_of("walker-1", 2)
    await redis.xadd(keys.inbox(p), {"b": b"\xc1 not msgpack"})
    await RedisSink(redis, keys, DeviceRegistry([], auto_register=True)).submit(
        [Position("walker-1", 1795140000.0 + i, 36.6, 116.9) for i in range(3)])
    await track(redis, worker, p, 3)
    letter, = await dead_letters(redis, keys, p)
    assert (letter["stage"], letter["reason"]) == ("decode", "DecodeError")
    assert base64.b64decode(letter["input"]["bytes_b64"]) == b"\xc1 not msgpack"
    assert await redis.hgetall(keys.dead_count(p)) == {
        f"partition {p}|decode|DecodeError".encode(): b"1"}
    assert worker.health.status()["status"] == "degraded"


async def test_a_poison_position_is_dead_lettered_and_the_rest_tracked(
        redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """A position that makes a tracking stage raise (a test fault) is in the dead-letter
    stream, acknowledged with it; its neighbours, before and after, are tracked."""
    monkeypatch.setenv(testfaults.ENV, "poison-rule")
    cfg = Config.model_validate(CFG)
    keys = Keys(2)
    index = CityIndex(load_city(DEMO_CITY), cfg.patrol.match_tolerance)
    worker = TrackerWorker(redis, keys, cfg, index)
    p = partition_of("walker-1", 2)
    t0 = 1795140000.0
    fixes = [Position("walker-1", t0 + i, 36.6 + i * 1e-5, 116.9) for i in range(40)]
    fixes[25] = Position("walker-1", t0 + 25, 36.60025, 116.9, speed=testfaults.POISON_SPEED)
    sink = RedisSink(redis, keys, DeviceRegistry([], auto_register=True))
    for start in range(0, 40, 10):
        await sink.submit(fixes[start:start + 10])
    await redis.set(keys.clock, repr(t0 + 100))  # every fix leaves the reorder window
    await track(redis, worker, p, 40)
    letter, = await dead_letters(redis, keys, p)
    assert letter["stage"] == "DeviceRules" and letter["reason"] == "RuntimeError"
    assert letter["input"]["ts"] == t0 + 25 and letter["input"]["speed"] == 66.6
    chunks: Any = await redis.lrange(keys.track(p, "2026-11-20", "walker-1"), 0, -1)
    times = [t for chunk in chunks for t in array("d", chunk)[0::3]]
    assert sorted(set(times)) == [f.ts for f in fixes if f is not fixes[25]]


async def test_a_pickled_snapshot_in_redis_is_refused_and_the_partition_left_alone(
        redis: Redis) -> None:
    """A pickle where a partition's snapshot should be (an older build, or anyone who can
    write to Redis) is never loaded: the partition is not taken, /healthz says why, and its
    entries stay pending for a build that can read its state."""
    cfg = Config.model_validate(CFG)
    keys = Keys(2)
    index = CityIndex(load_city(DEMO_CITY), cfg.patrol.match_tolerance)
    p = partition_of("walker-1", 2)
    await RedisSink(redis, keys, DeviceRegistry([], auto_register=True)).submit(
        [Position("walker-1", 1795140000.0, 36.6, 116.9)])
    await redis.set(keys.snap(p), pickle.dumps({"version": 1, "slots": [_Boom()]}))
    worker = TrackerWorker(redis, keys, cfg, index)
    assert not await worker._acquire(p)
    assert p not in worker.owned and await redis.get(keys.lease(p)) is None
    reasons = worker.health.status()["reasons"]
    assert any(f"partition {p}: snapshot refused" in r and "pickle" in r for r in reasons)
    assert worker.processed == 0


class _Boom:
    def __reduce__(self) -> tuple[Any, ...]:
        return (pytest.fail, ("the pickle was loaded: it could have run any code",))
