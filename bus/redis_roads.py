"""The road rules over Redis: one leader merges every partition's passes.

Road alerts (coverage_behind, road_unvisited, road_missed) need every inspector's passes, so
they cannot run in a partition. Every tracker process runs a RoadWorker; one of them holds the
lease `gw:{roads}:lease` and is the leader. It reads each partition's horizon first, then every
partition's outputs up to their ends: a partition commits its passes in the same script as its
horizon, so every pass completed before the smallest horizon has been read by then. The rules
then sweep to that horizon (tracking/roadsweep.py) exactly as the one-process tracker sweeps to
its tick's horizon: the same passes give the same alerts, at the same data instants.

Each step commits the rules' state (typed, versioned: tracking/export/roads.py, with the stream
positions it has read up to) and its outputs (alerts, clearings, road events) in one
conditional script, so a new leader goes on from the last commit and nothing is raised twice.
Failures (README, Failure policy): a step that raises is undone to the last commit and its
passes are taken one at a time; a pass the rules cannot take goes to `gw:{roads}:dead`, an
output entry that cannot be read is dead-lettered there too, and the rest goes on.
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

import msgspec

from bus.health import Health
from bus.wire import decode_outputs, encode_outputs
from model.events import AlertEvent, ClearedEvent, RoadEvent
from store.deadletter import DeadLetter, letter_for
from store.redis_keys import Keys, keep_min_id
from store.redis_ops import Scripts, Writes
from tracking.export.envelope import StateError, open_sealed, seal
from tracking.export.roads import RoadsData
from tracking.passes import PassRecord
from tracking.roadsweep import RoadSweep

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from config.server import Config
    from geofence.index import CityIndex
    from model.clock import Clock
    from model.events import Event

log = logging.getLogger(__name__)

SNAPSHOT_KIND, SNAPSHOT_VERSION = "road-rules", 1
WORKER = "road rules"


class RoadsState(msgspec.Struct, array_like=True):
    """The leader's snapshot (`gw:{roads}:snap`)."""

    roads: RoadsData
    read_to: dict[int, str]  # partition -> the last output entry read


class RoadWorker:
    def __init__(self, redis: Redis, keys: Keys, cfg: Config, index: CityIndex, clock: Clock,
                 name: str, health: Health) -> None:
        self.redis, self.keys, self.cfg, self.name = redis, keys, cfg, name
        self.clock = clock
        self.health = health
        self.scripts = Scripts(redis)
        self.lease_ms = int(cfg.redis.lease_s * 1000)
        self.sweep = RoadSweep(index, cfg.patrol, cfg.alerts, clock, cfg.server.keep_days)
        self.leader = False
        self._swept: float | None = None  # the horizon of the last stored state
        self._fresh()

    def _fresh(self) -> None:
        self.sweep.reset()
        self.read_to: dict[int, str] = dict.fromkeys(range(self.keys.partitions), "0-0")
        self._committed = self.sweep.export()  # what a failed step is undone to

    def _state(self) -> bytes:
        return seal(SNAPSHOT_KIND, SNAPSHOT_VERSION, RoadsState(self._committed,
                                                                dict(self.read_to)))

    def _load(self, blob: bytes) -> None:
        state = open_sealed(blob, SNAPSHOT_KIND, SNAPSHOT_VERSION, RoadsState)
        self.sweep.restore(state.roads)
        self._committed = state.roads
        self.read_to = {int(p): str(at) for p, at in state.read_to.items()}

    async def _lead(self) -> bool:
        """Hold the lease; on taking it, go on from the last committed state."""
        keys = self.keys
        if self.leader:
            return True
        if not await self.scripts.acquire(keys=[keys.roads_lease],
                                          args=[self.name, self.lease_ms]):
            return False
        self._fresh()
        blob = await self.redis.get(keys.roads_snap)
        if blob is not None:
            try:
                self._load(blob if isinstance(blob, bytes) else blob.encode())
            except (StateError, ValueError, TypeError) as exc:
                self.health.down(WORKER, f"snapshot refused: {exc}")
                await self.scripts.release(keys=[keys.roads_lease], args=[self.name])
                return False
        self.health.up(WORKER)
        self.leader = True
        log.info("road rules: %s leads", self.name)
        return True

    def drop(self) -> None:
        self.leader = False

    async def _horizon(self) -> float | None:
        pipe = self.redis.pipeline(transaction=False)
        for p in range(self.keys.partitions):
            pipe.get(self.keys.horizon(p))
        values = await pipe.execute()
        if any(v is None for v in values):
            return None  # a partition nobody has ticked yet
        return min(float(v) for v in values)

    async def _passes(self, dead: list[DeadLetter]) -> list[PassRecord]:
        out: list[PassRecord] = []
        keys, parts = self.keys, range(self.keys.partitions)
        while True:
            pipe = self.redis.pipeline(transaction=False)
            for p in parts:
                pipe.xread({keys.out(p): self.read_to[p]}, count=1000)
            replies = await pipe.execute()
            got = 0
            for p, reply in zip(parts, replies, strict=True):
                for _stream, entries in reply or ():
                    for raw_id, fields in entries:
                        got += 1
                        self.read_to[p] = raw_id.decode() if isinstance(raw_id, bytes) \
                            else str(raw_id)
                        try:
                            items = decode_outputs(fields[b"o"])
                        except (msgspec.DecodeError, msgspec.ValidationError, KeyError) as exc:
                            dead.append(letter_for(WORKER, "decode", exc, {
                                "stream": keys.out(p), "entry": self.read_to[p],
                                "bytes_b64": base64.b64encode(
                                    fields.get(b"o", b"")[:65536]).decode()}))
                            continue
                        out.extend(item for item in items if isinstance(item, PassRecord))
            if not got:
                return out

    def _sweep(self, passes: list[PassRecord], horizon: float | None,
               dead: list[DeadLetter]) -> list[Event]:
        """One step of the rules; if it raises, undone and the passes taken one by one."""
        try:
            return self.sweep.step(passes, horizon)
        except Exception as exc:
            log.exception("road rules: a step failed; taking its passes one at a time")
            first = exc
        self.sweep.restore(self._committed)
        events: list[Event] = []
        for rec in passes:
            before = self.sweep.export()
            try:
                events += self.sweep.step([rec], None)
            except Exception as exc:
                self.sweep.restore(before)
                dead.append(letter_for(WORKER, "RoadProgress", exc, {
                    "road": self.sweep.road_id(rec.road),
                    "ts": rec.ts, "device": rec.device, "suspect": rec.suspect}))
        before = self.sweep.export()
        try:
            events += self.sweep.step([], horizon)
        except Exception as exc:  # not a pass: the sweep itself. Skipped; the next step tries
            self.sweep.restore(before)
            self.health.failed(WORKER, "RoadProgress", type(exc).__name__,
                               f"the sweep to {horizon} failed ({exc}); retried next step")
            if not dead:
                raise first from exc
        return events

    async def step(self) -> None:
        """One round: lead (or not), take new passes, sweep to the horizon, commit."""
        if not await self._lead():
            return
        horizon = await self._horizon()
        dead: list[DeadLetter] = []
        passes = await self._passes(dead)
        events = self._sweep(passes, horizon, dead)
        outputs = [ev for ev in events if isinstance(ev, AlertEvent | ClearedEvent | RoadEvent)]
        keys = self.keys
        keep = self.cfg.server.keep_days
        w = Writes(keys.roads_lease)  # with no writes, a commit just renews the lease
        if outputs:
            w.add("XADD", keys.roads_out, "MINID", "~", keep_min_id(keep), "*", "o",
                  encode_outputs(outputs))
        for letter in dead:
            w.add("XADD", keys.roads_dead, "MINID", "~", keep_min_id(keep), "*", "d",
                  letter.encode())
            w.add("HINCRBY", keys.roads_dead_count,
                  f"{letter.worker}|{letter.stage}|{letter.reason}", 1)
        if outputs or passes or dead or horizon != self._swept:
            self._committed = self.sweep.export()
            w.add("SET", keys.roads_snap, self._state())
            if horizon is not None:
                w.add("SET", keys.roads_swept, repr(horizon))
            self._swept = horizon
        if not await w.commit(self.scripts, self.name, self.lease_ms):
            log.warning("road rules: %s lost the lease", self.name)
            self.leader = False
            return
        if dead:
            self.health.dead_letters(dead)
