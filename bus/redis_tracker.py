"""Tracking workers over Redis: each owns some partitions of the devices and tracks them.

A partition is a stream of positions (`gw:{pN}:in`, written by the gateways) and one Tracker
over the devices that hash to it. A worker holds a lease per partition it owns and reads it
through the consumer group `trackers`; nobody else reads that partition meanwhile, so each
device's fixes are tracked in order. Every `commit_interval_s` (and after every tick) the worker
commits each partition in one conditional script (store/redis_ops.py): the tracker's state, its
durable outputs (passes, device alerts and clearings, the tick's horizon), the read model (each
device's newest row, inspectors' figures, track points), then XACK of the entries that state
includes. Nothing is acknowledged before the state it produced is stored.

A worker that dies leaves its leases to expire and its entries pending. Whoever takes the
partition loads the last committed state, which names the last entry applied, claims the dead
worker's pending entries (XAUTOCLAIM) and applies those after it, in order: nothing is counted
twice, nothing is lost. Position events for the live page go out as they are made (at least
once: a takeover may show a few again); everything durable goes out exactly once, with the
commit.

Workers share the partitions evenly: each heartbeats in `gw:trackers`, takes free partitions up
to its share (partitions / live workers, rounded up) and hands back what is over it.

Failures (README, Failure policy): each partition's tracker runs through a Guard
(bus/guard.py), so a position that makes a stage raise is dead-lettered and the rest goes on;
an entry that is not positions is dead-lettered whole. Dead letters go to `gw:{pN}:dead` in the
commit that acknowledges their entries: nothing is acknowledged and then lost. A snapshot this
build cannot read (another version, a pickle) is refused by name: the partition is not taken
and the worker says so in its health (bus/redis_health.py). A worker that keeps failing outside
the guard exits non-zero so that its process manager starts it afresh.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import math
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import orjson
from redis.exceptions import RedisError, ResponseError

from bus.guard import Failure, Guard, GuardBroken
from bus.health import Health
from bus.redis_health import publish_health
from bus.wire import (
    decode_positions,
    encode_figures,
    encode_outputs,
    encode_position_events,
)
from metrics.registry import Metrics
from model.clock import Clock, DataClock, WallClock
from model.events import PositionEvent
from store.deadletter import DeadLetter, letter_for
from store.redis_keys import DAY_MS, GROUP, Keys, keep_min_id, partition_of
from store.redis_ops import IDLE_S, Scripts, Writes
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from tracking.export.envelope import StateError, open_sealed, seal
from tracking.export.tracker import TrackerData, import_tracker

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from config.server import Config
    from geofence.index import CityIndex
    from model.events import Event
    from model.position import Position

log = logging.getLogger(__name__)

COMMIT_SHARE = 9.0  # wait this many times a commit's cost before the next: <= 10 % of the time
FAILURES = 5  # failures outside the guard within FAILURE_WINDOW_S before the process exits
FAILURE_WINDOW_S = 60.0
SNAPSHOT_KIND, SNAPSHOT_VERSION = "partition", 1


class PartitionState(msgspec.Struct, array_like=True):
    """A partition's snapshot (`gw:{pN}:snap`): the newest inbox entry its state includes,
    and the tracker's state (tracking/export/tracker.py)."""

    applied: tuple[int, int]
    tracker: TrackerData




def entry_id(raw: bytes | str) -> tuple[int, int]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class Partition:
    p: int
    tracker: Tracker
    guard: Guard
    applied: tuple[int, int] = (0, 0)  # newest inbox entry the state includes
    unacked: list[bytes] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)  # since the commit
    changed: bool = False


class TrackerWorker:
    def __init__(self, redis: Redis, keys: Keys, cfg: Config, index: CityIndex,
                 name: str | None = None, health: Health | None = None) -> None:
        self.redis, self.keys, self.cfg, self.index = redis, keys, cfg, index
        self.rc = cfg.redis
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.scripts = Scripts(redis)
        self.data_clock = cfg.server.clock == "data"
        self.clock: Clock = DataClock() if self.data_clock else WallClock()
        self.owned: dict[int, Partition] = {}
        self.lease_ms = int(self.rc.lease_s * 1000)
        self._tick_at: float | None = None
        self._live: list[tuple[int, bytes]] = []  # (partition, encoded position events)
        self.processed = 0  # positions tracked by this worker
        self.taken_over = 0  # partitions taken from a stopped worker with pending entries
        self.commit_cost = 0.0  # seconds the last commit of every owned partition took
        self._expiring: set[str] = set()  # track keys given their time to live already
        self._pending_dead: dict[int, list[DeadLetter]] = {}
        self.fatal: str | None = None  # why the worker stopped for good
        self.health = health or Health(Metrics(), hold_s=cfg.server.health_hold_s)
        self.dead_letters = 0  # committed by this worker
        self._failures: list[float] = []

    # Partitions -----------------------------------------------------------------------------

    def _guard(self, p: int, tracker: Tracker) -> Guard:
        worker = f"partition {p}"

        def dead(letters: list[DeadLetter]) -> None:
            part = self.owned.get(p)
            (part.dead if part is not None else pending).extend(letters)
            self.health.dead_letters(letters)

        def failed(failure: Failure) -> None:
            self.health.failed(worker, failure.stage, failure.reason,
                               f"{failure.stage} failed ({failure.reason}: {failure.error}); "
                               "the tick was skipped")

        pending: list[DeadLetter] = []  # found before the partition is in self.owned
        guard = Guard(tracker, worker, dead, failed)
        self._pending_dead[p] = pending
        return guard

    def _tracker(self, p: int) -> Tracker:
        cfg, parts = self.cfg, self.keys.partitions
        registry = DeviceRegistry.from_config(
            self.index, cfg.devices, cfg.jt808.terminals.values(),
            accept=lambda device: partition_of(device, parts) == p)
        return Tracker(self.index, cfg.patrol, cfg.alerts, registry, self.clock,
                       keep_days=cfg.server.keep_days, road_rules=False)

    async def _acquire(self, p: int) -> bool:
        keys, redis = self.keys, self.redis
        if not await self.scripts.acquire(keys=[keys.lease(p)], args=[self.name, self.lease_ms]):
            return False
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists already
            await redis.xgroup_create(keys.inbox(p), GROUP, id="0", mkstream=True)
        tracker = self._tracker(p)
        blob = await redis.get(keys.snap(p))
        applied = (0, 0)
        if blob is not None:
            try:
                state = open_sealed(blob if isinstance(blob, bytes) else blob.encode(),
                                    SNAPSHOT_KIND, SNAPSHOT_VERSION, PartitionState)
                import_tracker(tracker, state.tracker)
            except (StateError, ValueError, TypeError) as exc:
                # Not taken: its entries stay pending for a build that reads its state.
                self.health.down(f"partition {p}", f"snapshot refused: {exc}")
                await self.scripts.release(keys=[keys.lease(p)], args=[self.name])
                return False
            applied = (int(state.applied[0]), int(state.applied[1]))
        self.health.up(f"partition {p}")
        part = Partition(p, tracker, self._guard(p, tracker), applied)
        await self._started(part)
        # Entries delivered to a worker that stopped before its commit: apply what the
        # state lacks, in stream order, then acknowledge them with the next commit.
        start: bytes | str = "0-0"
        claimed = 0
        while True:  # until the cursor comes back to 0-0 (a batch may be empty before that)
            reply = await redis.xautoclaim(keys.inbox(p), GROUP, self.name, 0, start_id=start,
                                           count=self.rc.read_count)
            start, entries = reply[0], reply[1]
            claimed += len(entries)
            self._apply(part, entries)
            if entry_id(start) == (0, 0):
                break
        if claimed:
            self.taken_over += 1
            log.info("partition %d: %d pending entries claimed", p, claimed)
        # Stopped workers leave their consumer names behind: those with nothing pending go.
        for consumer in await redis.xinfo_consumers(keys.inbox(p), GROUP):
            name = consumer["name"]
            name = name.decode() if isinstance(name, bytes) else name
            if name != self.name and consumer["pending"] == 0:
                await redis.xgroup_delconsumer(keys.inbox(p), GROUP, name)
        part.dead.extend(self._pending_dead.pop(p, []))
        self.owned[p] = part
        log.info("partition %d taken (state up to entry %d-%d)", p, *part.applied)
        return True

    async def _release(self, p: int) -> None:
        part = self.owned.get(p)
        if part is not None:
            part.changed = True
            await self._commit(part)
            self.owned.pop(p, None)
        await self.scripts.release(keys=[self.keys.lease(p)], args=[self.name])
        log.info("partition %d handed back", p)

    async def _now(self) -> float:
        """Redis's own clock: one clock for every machine's heartbeats and wall-clock ticks."""
        seconds, micros = await self.redis.time()
        return seconds + micros / 1e6

    async def _leases(self) -> None:
        """Heartbeat, then take free partitions up to our share or hand back what is over."""
        redis, keys = self.redis, self.keys
        now = await self._now()
        members = f"{keys.prefix}:trackers"
        await redis.zadd(members, {self.name: now})
        await redis.zremrangebyscore(members, "-inf", now - self.rc.lease_s)
        alive = max(1, int(await redis.zcard(members)))
        await publish_health(redis, keys, self.name, "tracker", {
            **self.health.status(), "partitions": sorted(self.owned), "at": now,
            "tracked": self.processed, "dead_letters": self.dead_letters,
            "taken_over": self.taken_over})
        share = math.ceil(keys.partitions / alive)
        for part in list(self.owned.values()):  # idle partitions commit nothing: renew here
            if not await self.scripts.renew(keys=[keys.lease(part.p)],
                                            args=[self.name, self.lease_ms]):
                self._lost(part)
        while len(self.owned) > share:
            await self._release(max(self.owned))
        if len(self.owned) < share:
            for p in range(keys.partitions):
                if p not in self.owned and await self._acquire(p) and len(self.owned) >= share:
                    break

    def drop_all(self) -> None:
        """Forget local state (Redis went away): partitions are taken again from their last
        commit, which is all that counts."""
        self.owned.clear()
        self._tick_at = None

    # Reading and tracking -------------------------------------------------------------------

    async def _started(self, part: Partition) -> None:
        """The data time the whole system started from, so that an inspector never heard from
        counts as silent from the same instant in every partition."""
        if part.tracker.started is None:
            raw = await self.redis.get(self.keys.started)
            if raw is not None:
                part.tracker.start_at(float(raw))

    def _apply(self, part: Partition, entries: list[Any]) -> int:
        positions: list[Position] = []
        for raw_id, fields in entries:
            if fields is None:  # trimmed away: older than any state still needed
                continue
            part.unacked.append(raw_id)
            eid = entry_id(raw_id)
            if eid <= part.applied:
                continue  # the committed state includes it already
            part.applied = eid
            # A dict from XAUTOCLAIM; a flat [field, value] list from the read script.
            raw = fields.get(b"b") if isinstance(fields, dict) else \
                fields[1] if len(fields) > 1 else None
            try:
                positions.extend(decode_positions(raw))  # type: ignore[arg-type]
            except (msgspec.DecodeError, msgspec.ValidationError, TypeError) as exc:
                # Not positions of this version: dead-lettered whole (and acknowledged with
                # it), so it cannot stop this partition on every worker that takes it.
                eid_text = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
                data = raw if isinstance(raw, bytes) else orjson.dumps(fields, default=repr)
                letter = letter_for(f"partition {part.p}", "decode", exc, {
                    "entry": eid_text, "stream": self.keys.inbox(part.p),
                    "bytes_b64": base64.b64encode(data[:65536]).decode()})
                part.dead.append(letter)
                self.health.dead_letters([letter])
                log.error("partition %d: entry %s is not positions (%s): dead-lettered",
                          part.p, eid_text, exc)
                part.changed = True
        if not positions:
            return 0
        self._collect(part, part.guard.ingest(positions))
        self.processed += len(positions)
        return len(positions)

    def _collect(self, part: Partition, events: list[Event]) -> None:
        """Position events go out live now; the durable outputs wait for the commit
        (Tracker.take_outputs)."""
        part.changed = True
        position_events = [ev for ev in events if isinstance(ev, PositionEvent)]
        if position_events:
            self._live.append((part.p, encode_position_events(position_events)))

    async def _read_round(self) -> int:
        """One non-blocking read of every owned partition (cluster-friendly: one command per
        partition, pipelined); positions tracked."""
        if not self.owned:
            return 0
        keys = self.keys
        parts = list(self.owned.values())
        pipe = self.redis.pipeline(transaction=False)
        for part in parts:
            await self.scripts.read(keys=[keys.lease(part.p), keys.inbox(part.p)],
                                    args=[self.name, GROUP, self.rc.read_count], client=pipe)
        replies = await pipe.execute()
        done = 0
        for part, reply in zip(parts, replies, strict=True):
            if reply == -1:
                self._lost(part)
                continue
            if reply and part.tracker.started is None:
                await self._started(part)
            for _stream, entries in reply or ():
                done += self._apply(part, entries)
        await self._publish_live()
        return done

    async def _publish_live(self) -> None:
        if not self._live:
            return
        pipe = self.redis.pipeline(transaction=False)
        for p, blob in self._live:
            pipe.xadd(self.keys.live(p), {"e": blob}, maxlen=self.rc.live_maxlen,
                      approximate=True)
        self._live.clear()
        await pipe.execute()

    async def _clock_now(self) -> float:
        if not self.data_clock:
            return await self._now()
        raw = await self.redis.get(self.keys.clock)
        now = float(raw) if raw is not None else 0.0
        assert isinstance(self.clock, DataClock)
        self.clock.observe(now)
        return self.clock.now()

    async def _tick(self, now: float) -> None:
        """Time passes for every owned partition: held fixes out, silence judged, horizon on.
        Only called when every owned stream was read to its end after `now` was read, so no
        fix older than the horizon can still be waiting in a stream."""
        for part in list(self.owned.values()):
            tracker = part.tracker
            await self._started(part)
            # A backlog of held fixes goes out a step at a time (as in bus/pipeline).
            while (step := tracker.backlog_step(now)) is not None:
                self._collect(part, part.guard.tick(step))
                await asyncio.sleep(0)
            self._collect(part, part.guard.tick(now))
        await self._publish_live()

    # Committing -----------------------------------------------------------------------------

    def _writes(self, part: Partition) -> Writes:
        keys, p = self.keys, part.p
        w = Writes(keys.lease(p))
        keep_days = self.cfg.server.keep_days
        keep_ms = (keep_days + 1) * DAY_MS
        out = part.tracker.take_outputs()
        for chunk in out.tracks:
            key = keys.track(p, chunk.date, chunk.device)
            w.add("RPUSH", key, chunk.data)
            if key not in self._expiring:  # a day's track expires keep_days after its start
                if len(self._expiring) > 1_000_000:
                    self._expiring.clear()
                self._expiring.add(key)
                w.add("PEXPIRE", key, keep_ms)
        if out.rows:
            w.add_many("HSET", keys.devices(p), [],
                       [x for dev, row in out.rows.items() for x in (dev, orjson.dumps(row))],
                       step=2)
        for date, figures in out.figures.items():
            w.add_many("HSET", keys.stats(p, date), [],
                       [x for dev, fig in figures.items() for x in (dev, encode_figures(fig))],
                       step=2)
            w.add("PEXPIRE", keys.stats(p, date), keep_ms)
        if out.alerts or out.passes:
            w.add("XADD", keys.out(p), "MINID", "~", keep_min_id(keep_days), "*",
                  "o", encode_outputs([*out.alerts, *out.passes]))
        if out.horizon is not None:
            w.add("SET", keys.horizon(p), repr(out.horizon))
        cp = part.guard.checkpoint()  # the state committed is the next rollback point
        w.add("SET", keys.snap(p), seal(SNAPSHOT_KIND, SNAPSHOT_VERSION,
                                        PartitionState(part.applied, cp.state)))
        if part.dead:
            for letter in part.dead:
                w.add("XADD", keys.dead(p), "MINID", "~", keep_min_id(keep_days), "*", "d",
                      letter.encode())
                w.add("HINCRBY", keys.dead_count(p),
                      f"{letter.worker}|{letter.stage}|{letter.reason}", 1)
            self.dead_letters += len(part.dead)
            part.dead = []
        if part.unacked:
            w.add_many("XACK", keys.inbox(p), [GROUP], list(part.unacked))
            # Everything before the newest applied entry is in the state: the stream need not
            # keep it (MINID keeps the entries at and after the id given).
            w.add("XTRIM", keys.inbox(p), "MINID", "~", "{}-{}".format(*part.applied))
            part.unacked = []
        return w

    async def _commit(self, part: Partition) -> None:
        if not part.changed:
            return
        part.changed = False
        writes = self._writes(part)
        if not await writes.commit(self.scripts, self.name, self.lease_ms):
            self._lost(part)

    def _lost(self, part: Partition) -> None:
        """Our lease ran out and another worker may have the partition now: what we did since
        our last commit is theirs to redo from the stream."""
        log.warning("partition %d: lease lost; dropping it", part.p)
        self.owned.pop(part.p, None)

    async def commit_all(self) -> None:
        """Every owned partition that moved, in one round trip (one script per partition)."""
        started = time.monotonic()
        parts = [part for part in self.owned.values() if part.changed]
        if parts:
            pipe = self.redis.pipeline(transaction=False)
            for part in parts:
                part.changed = False
                await self._writes(part).queue(self.scripts, self.name, self.lease_ms, pipe)
            for part, done in zip(parts, await pipe.execute(), strict=True):
                if not done:
                    self._lost(part)
        self.commit_cost = time.monotonic() - started

    def commit_gap(self) -> float:
        """Seconds to the next commit: commit_interval_s, or longer when commits are costly
        (a snapshot grows with the devices), so that they take at most a tenth of the time."""
        return max(self.rc.commit_interval_s, COMMIT_SHARE * self.commit_cost)

    # The loop -------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        tick_s = self.cfg.live.tick_s
        next_lease = next_tick = next_commit = 0.0
        idle = IDLE_S[0]
        log.info("tracker %s started", self.name)
        while not stop.is_set():
            try:
                mono = time.monotonic()
                if mono >= next_lease:
                    await self._leases()
                    next_lease = mono + self.rc.lease_s / 3
                if mono >= next_tick and self._tick_at is None:
                    # Read the clock first: the reads that follow take in every position
                    # that moved it, and only then is the tick made.
                    self._tick_at = await self._clock_now()
                    next_tick = mono + tick_s
                got = await self._read_round()
                if got == 0 and self._tick_at is not None:
                    if self._tick_at > 0:
                        await self._tick(self._tick_at)
                    self._tick_at = None
                if time.monotonic() >= next_commit:
                    await self.commit_all()
                    next_commit = time.monotonic() + self.commit_gap()
                if got == 0:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), idle)
                    idle = min(IDLE_S[1], idle * 2)
                else:
                    idle = IDLE_S[0]
                self.health.up("redis")
            except Exception as exc:
                if isinstance(exc, RedisError | OSError):
                    log.warning("tracker %s: Redis unavailable (%s); retrying", self.name, exc)
                    self.health.down("redis", f"Redis unavailable: {exc}")
                else:  # a bug: say so, and go on from the last commits
                    log.exception("tracker %s: failed; taking its partitions again", self.name)
                    if self._failed(exc):
                        break
                self.drop_all()
                self._live.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                next_lease = 0.0
        await self.shutdown()

    def _failed(self, exc: Exception) -> bool:
        """A failure outside the guard (or its state gone bad: GuardBroken): the partitions
        are taken again from their commits. True when it keeps happening: the worker stops
        and `fatal` says why (the process exits non-zero)."""
        what = "state gone bad" if isinstance(exc, GuardBroken) else "failed"
        self.health.failed("tracker", "worker", type(exc).__name__,
                           f"{what} ({type(exc).__name__}: {exc}); partitions taken again")
        now = time.monotonic()
        self._failures = [t for t in self._failures if now - t < FAILURE_WINDOW_S] + [now]
        if len(self._failures) > FAILURES:
            self.fatal = (f"failed {len(self._failures)} times in {FAILURE_WINDOW_S:.0f} s; "
                          f"last: {type(exc).__name__}: {exc}")
            self.health.down("tracker", self.fatal)
            log.critical("tracker %s: %s; stopping", self.name, self.fatal)
            return True
        return False

    async def shutdown(self) -> None:
        """Commit and hand back every partition, so another worker goes on at once."""
        try:
            for p in sorted(self.owned):
                await self._release(p)
                # Everything it read is acknowledged now: its consumer name can go.
                pending: Any = await self.redis.xpending_range(
                    self.keys.inbox(p), GROUP, "-", "+", 1, consumername=self.name)
                if not pending:
                    await self.redis.xgroup_delconsumer(self.keys.inbox(p), GROUP, self.name)
            await self.redis.zrem(f"{self.keys.prefix}:trackers", self.name)
        except (RedisError, OSError) as exc:
            log.warning("tracker %s: could not hand back its partitions: %s", self.name, exc)
        log.info("tracker %s stopped after %d positions", self.name, self.processed)
