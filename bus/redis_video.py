"""Cameras over Redis: one gateway at a time analyses video, the others point cameras to it.

A camera's detectors keep state across frames (backgrounds, tracked vehicles), so all frames of
a camera must reach one analyser. The gateway holding the lease `gw:{video}:lease` runs the
video service (pulled cameras and pushed frames); another gateway answers a pushed frame with
503 and "analysis runs on another gateway", so a camera behind a load balancer sends again and
reaches the leader, and a leader that dies is replaced within the lease time. Camera events,
motion/spill/offline alerts and clearings go to the durable stream `gw:{video}:out`, read by
every web process; each evidence folder written is indexed in `gw:evidence` (the files stay
on disk, on storage the web processes share). Frames the analysis could not take go to
`gw:{video}:dead` with their bytes (README, Failure policy).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from redis.exceptions import RedisError

from bus.health import Health
from bus.wire import Output, encode_outputs
from gateway.camera_ingest import Elsewhere
from model.events import AlertEvent, CameraEvent, ClearedEvent
from store.deadletter import DeadLetter
from store.redis_keys import keep_min_id
from store.redis_ops import Scripts, Writes
from video import evidence

if TYPE_CHECKING:
    from collections.abc import Sequence

    from redis.asyncio import Redis

    from model.events import Event
    from store.redis_keys import Keys
    from video.service import VideoService

log = logging.getLogger(__name__)

FLUSH_S = 0.1
DEAD_FRAME_BYTES = 4 << 20  # a dead frame's bytes kept in its letter up to this size


class VideoLeader:
    def __init__(self, redis: Redis, keys: Keys, make: Callable[[], VideoService],
                 evidence_dir: Path, lease_s: float, keep_days: int, name: str,
                 health: Health) -> None:
        self.redis, self.keys, self.make, self.name = redis, keys, make, name
        self.evidence_dir = evidence_dir
        self.health = health
        self.scripts = Scripts(redis)
        self.lease_ms = int(lease_s * 1000)
        self.keep_days = keep_days
        self.video: VideoService | None = None
        self._out: list[Output] = []
        self._indexed: list[str] = []
        self._dead: list[DeadLetter] = []

    @property
    def leading(self) -> bool:
        return self.video is not None

    # What the video service emits, on its way to Redis --------------------------------------

    def publish(self, events: Sequence[Event]) -> None:
        self._out += [ev for ev in events if isinstance(ev, AlertEvent | ClearedEvent
                                                        | CameraEvent)]

    def dead_letter(self, letter: DeadLetter, jpeg: bytes | None) -> None:
        if jpeg is not None and len(jpeg) <= DEAD_FRAME_BYTES:
            letter.input["jpeg_b64"] = base64.b64encode(jpeg).decode()
        self._dead.append(letter)
        self.health.dead_letters([letter])

    def written(self, evidence_id: str) -> None:
        self._indexed.append(evidence_id)

    async def _flush(self) -> None:
        if not (self._out or self._indexed or self._dead):
            return
        out, self._out = self._out, []
        ids, self._indexed = self._indexed, []
        dead, self._dead = self._dead, []
        w = Writes(self.keys.video_lease)
        if out:
            w.add("XADD", self.keys.video_out, "MINID", "~", keep_min_id(self.keep_days), "*",
                  "o", encode_outputs(out))
        for letter in dead:
            w.add("XADD", self.keys.video_dead, "MINID", "~", keep_min_id(self.keep_days), "*",
                  "d", letter.encode())
            w.add("HINCRBY", self.keys.video_dead_count,
                  f"{letter.worker}|{letter.stage}|{letter.reason}", 1)
        for evidence_id in ids:
            item = evidence.summary(self.evidence_dir, evidence_id)
            if item is not None:
                w.add("HSET", self.keys.evidence, evidence_id, orjson.dumps(item))
        try:
            committed = await w.commit(self.scripts, self.name, self.lease_ms)
        except BaseException:
            # Not written: kept for the next flush, in order, ahead of anything newer.
            self._out[:0], self._indexed[:0], self._dead[:0] = out, ids, dead
            raise
        if not committed:
            log.warning("video: the lease was lost; %d events not published", len(out))
            await self._stop()

    # Frames -----------------------------------------------------------------------------------

    def push_frame(self, camera_id: str, jpeg: bytes, ts: float) -> bool:
        if self.video is None:
            raise Elsewhere("camera analysis runs on another gateway; send it there or retry")
        return self.video.push_frame(camera_id, jpeg, ts)

    # The lease --------------------------------------------------------------------------------

    async def _stop(self) -> None:
        video, self.video = self.video, None
        if video is not None:
            await video.stop()
            log.info("video: %s stopped analysing", self.name)

    async def run(self, stop: asyncio.Event) -> None:
        next_renew = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_renew:
                    next_renew = time.monotonic() + self.lease_ms / 3000
                    if await self.scripts.acquire(keys=[self.keys.video_lease],
                                                  args=[self.name, self.lease_ms]):
                        if self.video is None:
                            video = self.make()
                            video.on_evidence = self.written
                            await video.start()
                            self.video = video
                            log.info("video: %s analyses the cameras", self.name)
                    else:
                        await self._stop()
                await self._flush()
            except (RedisError, OSError) as exc:
                log.warning("video: Redis unavailable (%s); retrying", exc)
            except Exception:
                log.exception("video: publishing failed; retrying")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_S)
        # Stop analysing first: what the cameras raise while stopping goes out too.
        leading = self.leading
        await self._stop()
        if leading:
            with contextlib.suppress(RedisError, OSError):
                await self._flush()
                await self.scripts.release(keys=[self.keys.video_lease], args=[self.name])
