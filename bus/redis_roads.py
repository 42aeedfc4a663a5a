"""The road rules over Redis: one leader merges every partition's passes.

Road alerts (coverage_behind, road_unvisited, road_missed) need every inspector's passes, so
they cannot run in a partition. Every tracker process runs a RoadWorker; one of them holds the
lease `gw:{roads}:lease` and is the leader. It reads each partition's horizon first, then every
partition's outputs up to their ends: a partition commits its passes in the same script as its
horizon, so every pass completed before the smallest horizon has been read by then. The rules
then sweep to that horizon (tracking/roadrules.py) exactly as the one-process tracker sweeps to
its tick's horizon: the same passes give the same alerts, at the same data instants.

Each step commits the rules' state (with the stream positions it has read up to) and its
outputs (alerts, clearings, road events) in one conditional script, so a new leader goes on
from the last commit and nothing is raised twice.
"""

from __future__ import annotations

import logging
import pickle
import time
from typing import TYPE_CHECKING, Any

from model.events import AlertEvent, ClearedEvent, RoadEvent
from store.redis_codec import alert_to_wire, decode, encode, pass_from_wire
from store.redis_keys import Keys
from store.redis_ops import Scripts, Writes
from tracking.alertstages import RoadProgress
from tracking.devices import DeviceRegistry
from tracking.stages import Batch
from tracking.state import Context

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from config.server import Config
    from geofence.index import CityIndex
    from model.clock import Clock
    from tracking.passes import PassRecord

log = logging.getLogger(__name__)

RULES_STATE = ("time", "day", "phase", "pending", "count", "last", "due", "deadlines")
DAY_MS = 86_400_000


class RoadWorker:
    def __init__(self, redis: Redis, keys: Keys, cfg: Config, index: CityIndex, clock: Clock,
                 name: str) -> None:
        self.redis, self.keys, self.cfg, self.name = redis, keys, cfg, name
        self.clock = clock
        self.scripts = Scripts(redis)
        self.lease_ms = int(cfg.redis.lease_s * 1000)
        self.index = index
        self.leader = False
        self._swept: float | None = None  # the horizon of the last stored state
        self._fresh()

    def _fresh(self) -> None:
        self.ctx = Context(self.index, self.cfg.patrol, self.cfg.alerts,
                           DeviceRegistry([]), self.clock, rules=())
        self.progress = RoadProgress(self.ctx)
        self.read_to: dict[int, bytes] = dict.fromkeys(range(self.keys.partitions), b"0-0")

    def _state(self) -> bytes:
        rules = self.ctx.road_rules
        return pickle.dumps({
            "rules": {k: getattr(rules, k) for k in RULES_STATE},
            "ledger": self.ctx.ledger.days, "open": self.ctx.book.open,
            "shown": self.progress.shown, "read_to": self.read_to,
        }, protocol=pickle.HIGHEST_PROTOCOL)

    def _load(self, blob: bytes) -> None:
        state = pickle.loads(blob)  # noqa: S301 - written by gridwatch itself
        for k, v in state["rules"].items():
            setattr(self.ctx.road_rules, k, v)
        self.ctx.ledger.days = state["ledger"]
        self.ctx.book.open = state["open"]
        self.progress.shown = state["shown"]
        self.read_to = state["read_to"]

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
            self._load(blob if isinstance(blob, bytes) else blob.encode())
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

    async def _passes(self) -> list[PassRecord]:
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
                        self.read_to[p] = raw_id
                        out.extend(pass_from_wire(payload)
                                   for kind, payload, _grid in decode(fields[b"o"])
                                   if kind == "pass")
            if not got:
                return out

    async def step(self) -> None:
        """One round: lead (or not), take new passes, sweep to the horizon, commit."""
        if not await self._lead():
            return
        horizon = await self._horizon()
        passes = await self._passes()
        ctx = self.ctx
        for rec in passes:
            ctx.ledger.add(rec)
        now = self.clock.now()
        batch = Batch(now, passes=passes, horizon=horizon, tick=horizon is not None)
        self.progress(batch)
        events = batch.events + ctx.book.drain()
        keep_days = self.cfg.server.keep_days
        if horizon is not None:
            ctx.ledger.forget_before(ctx.calendar.day_of(horizon - keep_days * 86400.0).date)
        outputs: list[list[Any]] = []
        for ev in events:
            if isinstance(ev, AlertEvent | ClearedEvent):
                outputs.append([ev.TYPE, alert_to_wire(ev.alert), ev.grid])
            elif isinstance(ev, RoadEvent):
                outputs.append([ev.TYPE, ev.to_json(), ev.grid])
        ctx.book.history.clear()  # shipped with this commit
        keys = self.keys
        w = Writes(keys.roads_lease)  # with no writes, a commit just renews the lease
        if outputs:
            w.add("XADD", keys.roads_out, "MINID", "~",
                  int(time.time() * 1000) - (keep_days + 1) * DAY_MS, "*", "o", encode(outputs))
        if outputs or passes or horizon != self._swept:
            w.add("SET", keys.roads_snap, self._state())
            if horizon is not None:
                w.add("SET", keys.roads_swept, repr(horizon))
            self._swept = horizon
        if not await w.commit(self.scripts, self.name, self.lease_ms):
            log.warning("road rules: %s lost the lease", self.name)
            self.leader = False
