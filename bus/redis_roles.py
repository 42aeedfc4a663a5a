"""The parts each process role runs over Redis (`python server.py --redis URL --role ...`).

    gateway  device ingest (JSON over HTTP and WebSocket, OsmAnd, JT/T 808) into the streams
    tracker  tracking workers for a share of the partitions, and the road rules when leader
    web      REST queries, /ws/live, the page, from the shared state
    all      the three in one process

Every role answers /healthz and /metrics on its HTTP port except `tracker`, which has none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from bus.redis_roads import RoadWorker
from bus.redis_sink import RedisSink
from bus.redis_tracker import TrackerWorker
from bus.redis_video import VideoLeader
from model.clock import WallClock
from store.redis_keys import Keys
from tracking.devices import DeviceRegistry
from web.redis_queries import RedisQueries

if TYPE_CHECKING:
    from config.server import Config
    from geofence.index import CityIndex

log = logging.getLogger(__name__)

ROLES = ("gateway", "tracker", "web", "all")


class RedisClock:
    """The data clock as the gateways move it in Redis, read every `period` seconds."""

    def __init__(self, redis: Redis, keys: Keys, period: float = 0.2) -> None:
        self.redis, self.keys, self.period = redis, keys, period
        self._now = 0.0

    def now(self) -> float:
        return self._now

    async def refresh(self) -> None:
        raw = await self.redis.get(self.keys.clock)
        if raw is not None:
            self._now = max(self._now, float(raw))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(RedisError, OSError):
                await self.refresh()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.period)


@dataclass
class RedisParts:
    """What the roles of this process need; server.py wires the HTTP side."""

    redis: Redis
    keys: Keys
    roles: frozenset[str]
    clock: RedisClock | WallClock
    registry: DeviceRegistry
    sink: RedisSink | None = None
    queries: RedisQueries | None = None
    tracker: TrackerWorker | None = None
    roads: RoadWorker | None = None
    video: VideoLeader | None = None  # set by the composition root for a gateway with cameras
    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, url: str, role: str, cfg: Config, index: CityIndex) -> RedisParts:
        rc = cfg.redis
        # No silent retries: a command retried after its reply was lost would run twice (a
        # read would skip a batch, a commit would write its outputs twice). A failed command
        # is the caller's to handle: a gateway answers 503, a worker takes its partitions again
        # from their last commit.
        redis = Redis.from_url(url, socket_timeout=rc.timeout_s,
                               socket_connect_timeout=rc.timeout_s, retry=Retry(NoBackoff(), 0))
        keys = Keys(rc.partitions)
        roles = frozenset(ROLES[:3]) if role == "all" else frozenset({role})
        clock: RedisClock | WallClock = RedisClock(redis, keys) \
            if cfg.server.clock == "data" else WallClock()
        registry = DeviceRegistry.from_config(index, cfg.devices, cfg.jt808.terminals.values())
        parts = cls(redis, keys, roles, clock, registry)
        if "gateway" in roles:
            parts.sink = RedisSink(redis, keys, registry)
        if "web" in roles:
            parts.queries = RedisQueries(redis, keys, cfg, index, clock, registry)
        if "tracker" in roles:
            parts.tracker = TrackerWorker(redis, keys, cfg, index)
            parts.roads = RoadWorker(redis, keys, cfg, index, parts.tracker.clock, parts.name)
        return parts

    async def check(self) -> None:
        """Refuse to start against a Redis that does not answer, naming it."""
        await self.redis.ping()

    def start(self, publish: Any = None, tick_s: float = 1.0) -> None:
        if isinstance(self.clock, RedisClock):
            self.tasks.append(asyncio.create_task(self.clock.run(self.stop), name="clock"))
        if self.queries is not None and publish is not None:
            self.tasks.append(asyncio.create_task(
                self.queries.follow(self.stop, publish), name="follow"))
        if self.tracker is not None:
            self.tasks.append(asyncio.create_task(self.tracker.run(self.stop), name="tracker"))
        if self.roads is not None:
            self.tasks.append(asyncio.create_task(self._roads(tick_s), name="roads"))
        if self.video is not None:
            self.tasks.append(asyncio.create_task(self.video.run(self.stop), name="video"))

    async def _roads(self, period: float) -> None:
        assert self.roads is not None
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                await self.roads.step()
            except (RedisError, OSError) as exc:
                log.warning("road rules: Redis unavailable (%s); retrying", exc)
                self.roads.drop()
            except Exception:  # a bug: say so, start again from the last commit
                log.exception("road rules: step failed; starting again from the last commit")
                self.roads.drop()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stop.wait(),
                                       max(0.05, period - (time.monotonic() - started)))

    async def stop_all(self) -> None:
        """Trackers commit and hand their partitions back before the connection closes."""
        self.stop.set()
        for task, result in zip(self.tasks, await asyncio.gather(*self.tasks,
                                                                return_exceptions=True),
                                strict=True):
            if isinstance(result, BaseException) and not isinstance(
                    result, asyncio.CancelledError):
                log.error("%s ended with %r", task.get_name(), result)
        await self.redis.aclose()

    def health(self) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": "redis", "roles": sorted(self.roles),
                               "clock": self.clock.now()}
        if self.tracker is not None:
            out.update(partitions=sorted(self.tracker.owned), tracked=self.tracker.processed,
                       road_leader=bool(self.roads and self.roads.leader))
        if self.sink is not None:
            out["submitted"] = self.sink.submitted
        if self.video is not None:
            out["video_leader"] = self.video.leading
        return out


def redact(url: str | None) -> str:
    """The URL without its password (user:password@ or ?password=), for messages and logs."""
    if not url:
        return ""
    url = re.sub(r"([?&]password=)[^&#]*", r"\1***", url)
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at:
        return url
    user = creds.partition(":")[0]
    return f"{scheme}{sep}{user + ':' if user else ''}***@{host}"
