"""What a web process reads when the state lives in Redis (the `Queries` of web/api.py).

Passes and alerts come from the durable output streams (every partition's `out`, and the road
rules' `out`), read in order into a local ledger and alert history: any web process started at
any time rebuilds the same figures from them. Devices, inspectors' figures and tracks are read
from Redis per request. Live events are forwarded to this process's /ws/live clients by `follow`:
positions from the partitions' live streams, alerts, clearings and road progress from the
durable ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import orjson
from redis.exceptions import RedisError

from bus.wire import decode_figures, decode_outputs, decode_position_events
from model.clock import DAY_S
from model.events import AlertEvent, ClearedEvent, Event, PositionEvent
from store.deadletter import letter_for
from store.redis_keys import Keys, partition_of
from store.redis_ops import IDLE_S
from tracking.compliance import ComplianceBook
from tracking.inspectors import DayStats
from tracking.passes import PassRecord
from tracking.patrolday import PatrolCalendar
from tracking.report import daily_report
from tracking.rules.base import DeviceInfo
from tracking.tracks import TrackLog
from video.evidence import EvidenceFolder

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from redis.asyncio import Redis

    from bus.health import Health
    from bus.wire import Output
    from config.server import Config
    from geofence.index import CityIndex
    from model.alert import Alert
    from model.clock import Clock
    from tracking.devices import DeviceRegistry

log = logging.getLogger(__name__)



class RedisQueries:
    def __init__(self, redis: Redis, keys: Keys, cfg: Config, index: CityIndex, clock: Clock,
                 registry: DeviceRegistry, health: Health) -> None:
        self.redis, self.keys, self.index, self.clock = redis, keys, index, clock
        self.registry, self.health = registry, health
        self.calendar = PatrolCalendar(index.city.settings)
        self.ledger = ComplianceBook(index.roads, self.calendar, cfg.alerts.behind_by)
        self.history: dict[str, Alert] = {}  # by id, in the order raised
        self.keep_days = cfg.server.keep_days
        self._kept_from = ""
        self.durable: dict[str, bytes] = dict.fromkeys(
            [keys.out(p) for p in range(keys.partitions)] + [keys.roads_out, keys.video_out],
            b"0-0")
        self.live: dict[str, bytes | str] = {}  # set by follow(): from the streams' ends
        self._lock = asyncio.Lock()
        self.unpublished: list[Event] = []

    # Following the streams ------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Read the durable streams to their ends (queries call this too); the alert and road
        events read wait in `unpublished` for follow() to push them live."""
        async with self._lock:
            while True:
                got = 0
                for name, entries in await self._read(self.durable, 1000):
                    for raw_id, fields in entries:
                        got += 1
                        self.durable[name] = raw_id
                        try:
                            outputs = decode_outputs(fields[b"o"])
                        except (msgspec.DecodeError, msgspec.ValidationError, KeyError) as exc:
                            # Not readable by this build: it stays in its stream, said here.
                            self.health.dead_letters([letter_for("web", "decode", exc, {
                                "stream": name, "entry": raw_id.decode()})])
                            log.error("web: entry %s of %s unreadable (%s); skipped",
                                      raw_id, name, exc)
                            continue
                        self.unpublished.extend(self._apply(outputs))
                if not got:
                    self._forget()
                    return

    def _forget(self) -> None:
        """Drop days older than keep_days, as the one-process tracker does, once a day."""
        now = self.clock.now()
        first = self.calendar.first_kept(now, self.keep_days)
        if first == self._kept_from:
            return
        self._kept_from = first
        self.ledger.forget_before(first)
        horizon = now - self.keep_days * DAY_S
        self.history = {k: a for k, a in self.history.items()
                        if a.ts >= horizon or a.cleared_ts is None}

    async def _read(self, streams: dict[str, Any], count: int) -> list[tuple[str, Any]]:
        """One XREAD per stream, pipelined: streams of different partitions live in different
        hash slots on Redis Cluster, where one XREAD over all of them would be refused."""
        pipe = self.redis.pipeline(transaction=False)
        names = list(streams)
        for name in names:
            pipe.xread({name: streams[name]}, count=count)
        return [(name, entries) for name, reply in zip(names, await pipe.execute(), strict=True)
                for _stream, entries in reply or ()]

    def _apply(self, outputs: Sequence[Output]) -> list[Event]:
        events: list[Event] = []
        for item in outputs:
            if isinstance(item, PassRecord):
                self.ledger.add(item)
            elif isinstance(item, AlertEvent):
                alert = self.history.setdefault(item.alert.id, item.alert)
                events.append(AlertEvent(alert, item.grid))
            elif isinstance(item, ClearedEvent):
                known = self.history.get(item.alert.id)
                if known is not None:
                    known.cleared_ts = item.alert.cleared_ts
                    item = ClearedEvent(known, item.grid)
                else:
                    self.history[item.alert.id] = item.alert
                events.append(item)
            else:  # road progress, camera events: live news only
                events.append(item)
        return events

    async def _live_ends(self) -> None:
        pipe = self.redis.pipeline(transaction=False)
        names = [self.keys.live(p) for p in range(self.keys.partitions)]
        for name in names:
            pipe.xrevrange(name, count=1)
        for name, last in zip(names, await pipe.execute(), strict=True):
            self.live[name] = last[0][0] if last else b"0-0"

    async def _live_round(self) -> list[PositionEvent]:
        if not self.live:
            await self._live_ends()
        out: list[PositionEvent] = []
        for name, entries in await self._read(self.live, 500):
            for raw_id, fields in entries:
                self.live[name] = raw_id
                out.extend(decode_position_events(fields[b"e"]))
        return out

    async def follow(self, stop: asyncio.Event,
                     publish: Callable[[Sequence[Event]], None]) -> None:
        """Until stopped: history first (not pushed: it is old news), then every new event."""
        idle = IDLE_S[0]
        first = True
        while not stop.is_set():
            try:
                await self.catch_up()
                events, self.unpublished = self.unpublished, []
                if not first and events:
                    publish(events)
                first = False
                positions = await self._live_round()
                if positions:
                    publish(positions)
                busy = bool(events or positions)
            except (RedisError, OSError) as exc:
                log.warning("web: Redis unavailable (%s); retrying", exc)
                busy, idle = False, 1.0
            except Exception:  # a bug (e.g. an entry it cannot read): said, and it goes on
                log.exception("web: following the streams failed; retrying")
                busy, idle = False, 1.0
            if busy:
                idle = IDLE_S[0]
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), idle)
            idle = min(IDLE_S[1], idle * 2) if idle < 1.0 else IDLE_S[0]

    # Queries --------------------------------------------------------------------------------

    async def compliance(self, date: str, now: float | None = None) -> list[dict[str, Any]]:
        await self.catch_up()
        return self.ledger.rows(date, self.clock.now() if now is None else now)

    async def road_passes(self, road: str, date: str) -> list[dict[str, Any]]:
        await self.catch_up()
        return self.ledger.road_passes(self.index.road_ids[road], date)

    async def day_passes(self, date: str) -> list[dict[str, Any]]:
        await self.catch_up()  # once, whatever the number of roads
        return self.ledger.day_passes(date)

    async def alerts(self, since: float = 0.0) -> list[Alert]:
        await self.catch_up()
        out = [a for a in self.history.values()
               if a.ts >= since or (a.cleared_ts is not None and a.cleared_ts >= since)]
        out.sort(key=lambda a: (a.ts, a.id))
        return out

    async def devices(self) -> list[dict[str, Any]]:
        pipe = self.redis.pipeline(transaction=False)
        for p in range(self.keys.partitions):
            pipe.hgetall(self.keys.devices(p))
        rows = [orjson.loads(raw) for reply in await pipe.execute() for raw in reply.values()]
        rows.sort(key=lambda r: r["device"])
        return rows

    async def track(self, device: str, date: str) -> dict[str, Any]:
        self.calendar.day(date)  # ValueError on a bad date
        p = partition_of(device, self.keys.partitions)
        chunks: Any = await self.redis.lrange(
            self.keys.track(p, date, device), 0, -1)
        if not chunks and device not in self.registry and not await self.redis.hexists(
                self.keys.devices(p), device):
            raise KeyError(device)
        log_ = TrackLog()
        if chunks:
            fixes = np.frombuffer(b"".join(chunks), dtype=np.float64).reshape(-1, 3)
            # Late fixes come in a later chunk than their neighbours; a takeover may repeat one.
            _, first = np.unique(fixes[:, 0], return_index=True)
            log_.data.frombytes(fixes[first].tobytes())
        return log_.feature(device, date)

    async def _figures(self, date: str) -> dict[str, DayStats]:
        pipe = self.redis.pipeline(transaction=False)
        for p in range(self.keys.partitions):
            pipe.hgetall(self.keys.stats(p, date))
        out: dict[str, DayStats] = {}
        for reply in await pipe.execute():
            for raw_dev, raw in reply.items():
                out[raw_dev.decode()] = decode_figures(raw).stats()
        return out

    async def daily_report(self, date: str, now: float | None = None) -> dict[str, Any]:
        """As the one-process Tracker.daily_report, from the shared state."""
        await self.catch_up()
        now = self.clock.now() if now is None else now
        figures = await self._figures(date)
        known = list(self.registry)
        listed = {info.id for info in known}
        # Devices registered on first sight (auto_register) are known by their figures here.
        known += [DeviceInfo(dev, "inspector", (), None) for dev in sorted(set(figures) - listed)]
        return daily_report(self.calendar.day(date), self.ledger.rows(date, now), self.index,
                            known, figures, self.history.values())


class RedisEvidence:
    """Evidence listed from its index in Redis; manifests and files from the shared folder."""

    def __init__(self, redis: Redis, keys: Keys, root: Path) -> None:
        self.redis, self.keys = redis, keys
        self.folder = EvidenceFolder(root)

    async def list_evidence(self, camera: str | None = None) -> list[dict[str, Any]]:
        index: Any = await self.redis.hgetall(self.keys.evidence)
        out = [item for item in map(orjson.loads, index.values())
               if camera is None or item["camera"] == camera]
        out.sort(key=lambda m: m["ts"] or 0.0, reverse=True)
        return out

    def evidence_manifest(self, evidence_id: str) -> dict[str, Any]:
        return self.folder.evidence_manifest(evidence_id)

    def evidence_file(self, evidence_id: str, name: str) -> Path:
        return self.folder.evidence_file(evidence_id, name)

    def evidence_public_key(self) -> dict[str, Any]:
        return self.folder.evidence_public_key()
