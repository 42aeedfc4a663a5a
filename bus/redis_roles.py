"""The parts each process role runs over Redis (`python server.py --redis URL --role ...`).

    gateway  device ingest (JSON over HTTP and WebSocket, OsmAnd, JT/T 808) into the streams
    tracker  tracking workers for a share of the partitions, and the road rules when leader
    web      REST queries, /ws/live, the page, from the shared state
    all      the three in one process

Every role answers /healthz and /metrics on its HTTP port except `tracker`, which has none: its
health reaches the others' /healthz through Redis (bus/redis_health.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from bus.health import Health
from bus.redis_health import DeploymentHealth
from bus.redis_roads import RoadWorker
from bus.redis_sink import RedisSink
from bus.redis_tracker import TrackerWorker
from bus.redis_video import VideoLeader
from metrics.registry import Metrics
from model.clock import WallClock
from store.redis_keys import Keys
from tracking.devices import DeviceRegistry
from web.redis_queries import RedisQueries

if TYPE_CHECKING:
    from config.server import Config
    from geofence.index import CityIndex
    from model.events import Event

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
    health: Health
    lease_s: float
    sink: RedisSink | None = None
    queries: RedisQueries | None = None
    tracker: TrackerWorker | None = None
    roads: RoadWorker | None = None
    video: VideoLeader | None = None  # set by the composition root for a gateway with cameras
    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    on_fatal: Callable[[str], None] | None = None  # a worker stopped for good: exit non-zero
    deployment: DeploymentHealth = field(init=False)

    def __post_init__(self) -> None:
        self.deployment = DeploymentHealth(self.redis, self.keys, self.lease_s)

    @classmethod
    def build(cls, url: str, role: str, cfg: Config, index: CityIndex,
              metrics: Metrics) -> RedisParts:
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
        health = Health(metrics, hold_s=cfg.server.health_hold_s)
        parts = cls(redis, keys, roles, clock, registry, health, rc.lease_s)
        if "gateway" in roles:
            parts.sink = RedisSink(redis, keys, registry)
        if "web" in roles:
            parts.queries = RedisQueries(redis, keys, cfg, index, clock, registry, health)
        if "tracker" in roles:
            parts.tracker = TrackerWorker(redis, keys, cfg, index, health=health)
            parts.roads = RoadWorker(redis, keys, cfg, index, parts.tracker.clock, parts.name,
                                     health)
        return parts

    async def check(self) -> None:
        """Refuse to start against a Redis that does not answer, naming it."""
        await self.redis.ping()

    def start(self, publish: Callable[[Sequence[Event]], None] | None = None,
              tick_s: float = 1.0) -> None:
        if isinstance(self.clock, RedisClock):
            self.tasks.append(asyncio.create_task(self.clock.run(self.stop), name="clock"))
        if self.queries is not None and publish is not None:
            self.tasks.append(asyncio.create_task(
                self.queries.follow(self.stop, publish), name="follow"))
        if self.tracker is not None:
            self.tasks.append(asyncio.create_task(self._tracker(), name="tracker"))
        if self.roads is not None:
            self.tasks.append(asyncio.create_task(self._roads(tick_s), name="roads"))
        if self.video is not None:
            self.tasks.append(asyncio.create_task(self.video.run(self.stop), name="video"))

    async def _tracker(self) -> None:
        assert self.tracker is not None
        await self.tracker.run(self.stop)
        if self.tracker.fatal is not None and self.on_fatal is not None:
            self.on_fatal(f"tracker: {self.tracker.fatal}")

    async def _roads(self, period: float) -> None:
        assert self.roads is not None
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                await self.roads.step()
            except (RedisError, OSError) as exc:
                log.warning("road rules: Redis unavailable (%s); retrying", exc)
                self.roads.drop()
            except Exception as exc:  # a bug: say so, start again from the last commit
                log.exception("road rules: step failed; starting again from the last commit")
                self.health.failed("road rules", "step", type(exc).__name__,
                                   f"a step failed ({exc}); going on from the last commit")
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

    async def scrape(self, metrics: Metrics) -> None:
        """The deployment's dead letters by worker, stage and reason, into /metrics."""
        keys = self.keys
        pipe = self.redis.pipeline(transaction=False)
        for p in range(keys.partitions):
            pipe.hgetall(keys.dead_count(p))
        pipe.hgetall(keys.roads_dead_count)
        pipe.hgetall(keys.video_dead_count)
        totals: dict[tuple[str, str, str], int] = {}
        try:
            replies = await pipe.execute()
        except (RedisError, OSError):
            return  # /metrics still answers with this process's own figures
        for reply in replies:
            for raw, count in reply.items():
                worker, _, rest = raw.decode().partition("|")
                stage, _, reason = rest.partition("|")
                totals[(worker, stage, reason)] = totals.get((worker, stage, reason), 0) + \
                    int(count)
        for labels, count in totals.items():
            metrics.deployment_dead_letters.labels(*labels).set(count)

    async def status(self) -> dict[str, Any]:
        """This process's health and the deployment's, as Redis shows it (/healthz)."""
        out: dict[str, Any] = {"backend": "redis", "roles": sorted(self.roles),
                               "clock": self.clock.now()}
        if self.tracker is not None:
            out.update(partitions=sorted(self.tracker.owned), tracked=self.tracker.processed,
                       road_leader=bool(self.roads and self.roads.leader))
        if self.sink is not None:
            out["submitted"] = self.sink.submitted
        if self.video is not None:
            out["video_leader"] = self.video.leading
        health = self.health.status()
        reasons = list(health["reasons"])
        try:
            async with asyncio.timeout(self.lease_s):
                reasons += await self.deployment.reasons()
        except (RedisError, OSError, TimeoutError) as exc:
            reasons.append(f"Redis unavailable: {type(exc).__name__}: {exc}")
        return {"status": "degraded" if reasons else "ok", "reasons": reasons, **out}


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
