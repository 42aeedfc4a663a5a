"""The in-process position pipeline: gateways submit, one task runs tracking in device order.

Tracking is CPU work on plain state, so it runs on the event loop in bounded chunks (a chunk of
1,000 positions takes a few ms) rather than in a thread, where the GIL would only add switching.
Submitted positions go first: a tick releases a backlog of held fixes in small steps and, before
each step, lets whatever was submitted meanwhile be tracked (and its live events go out), for at
most TICK_YIELD_S, so neither starves the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from bus.events import EventFanout
from metrics.registry import Metrics
from model.clock import Clock
from model.events import Event
from model.position import Position
from store.journal import PositionJournal
from tracking.engine import Tracker

log = logging.getLogger(__name__)

CHUNK = 1_000
REPLAY_TICK_S = 10.0
TICK_STEP_S = 0.5  # data time released per step of a backlog (old data replayed fast)
TICK_YIELD_S = 0.05  # longest a tick step waits for submitted positions to be tracked first


class Pipeline:
    def __init__(self, tracker: Tracker, fanout: EventFanout, metrics: Metrics, clock: Clock,
                 max_queued: int, tick_s: float = 1.0,
                 journal: PositionJournal | None = None) -> None:
        self.tracker, self.fanout, self.metrics, self.clock = tracker, fanout, metrics, clock
        self.journal = journal
        self.max_queued, self.tick_s = max_queued, tick_s
        self._queue: deque[tuple[float, list[Position]]] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    @property
    def queued(self) -> int:
        return self._queued

    def known(self, device: str) -> bool:
        return self.tracker.registry.lookup(device) is not None

    async def submit(self, positions: list[Position]) -> None:
        while self._queued >= self.max_queued:  # back-pressure: the gateway waits, drops nothing
            self._space.clear()
            await self._space.wait()
        if self.journal is not None:  # written before the device hears "accepted"
            self.journal.append(positions)
        self._queue.append((time.perf_counter(), positions))
        self._queued += len(positions)
        self.metrics.queue_depth.set(self._queued)
        self._idle.clear()
        self._wake.set()

    def restore(self) -> int:
        """Replay the journal into the tracker (before any input is taken); positions replayed.

        Ticks run every REPLAY_TICK_S of data time, as the live clock would have run them."""
        if self.journal is None:
            return 0
        count, next_tick = 0, float("-inf")
        for batch in self.journal.replay():
            self.tracker.ingest(batch)
            count += len(batch)
            newest = max(p.ts for p in batch)
            if newest >= next_tick:
                self.tracker.tick(newest)
                next_tick = newest + REPLAY_TICK_S
        if self.clock.now() > 0:  # a data clock that has seen nothing has no time to tick at
            self.tracker.tick(self.clock.now())
        return count

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name="pipeline"),
                       asyncio.create_task(self._tick(), name="pipeline-tick")]

    async def drain(self) -> None:
        """Wait until everything submitted so far has been tracked."""
        while self._queued:
            self._wake.set()
            await self._idle.wait()

    async def stop(self) -> None:
        await self.drain()
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.journal is not None:
            self.journal.close()  # held fixes stay held: the journal replays them next start
        else:
            self._emit(self.tracker.flush())

    def _take(self) -> tuple[list[float], list[Position]]:
        stamps: list[float] = []
        chunk: list[Position] = []
        while self._queue and len(chunk) < CHUNK:
            stamp, positions = self._queue.popleft()
            stamps.append(stamp)
            chunk.extend(positions)
        self._queued -= len(chunk)
        return stamps, chunk

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                stamps, chunk = self._take()
                self.process(chunk)
                done = time.perf_counter()
                for stamp in stamps:
                    self.metrics.ingest_latency.observe(done - stamp)
                self.metrics.queue_depth.set(self._queued)
                if self.journal is not None:
                    self.journal.flush()
                self._space.set()
                await asyncio.sleep(0)  # let ingest and live clients breathe between chunks
            self._idle.set()

    def process(self, chunk: list[Position]) -> None:
        started = time.perf_counter()
        self._emit(self.tracker.ingest(chunk))
        self.metrics.positions_processed.inc(len(chunk))
        self.metrics.batch_seconds.observe(time.perf_counter() - started)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            now = self.clock.now()
            if now <= 0:  # a data clock that has seen no position yet: no time has passed
                continue
            try:
                await self._tick_through_backlog(now)
                await self._input_first()
                self._emit(self.tracker.tick(now))
                if self.journal is not None:
                    self.journal.flush()
                    # fsync can take tens of ms on a busy disk: never on the event loop
                    await asyncio.to_thread(self.journal.sync)
            except Exception:
                log.exception("tick failed")

    async def _tick_through_backlog(self, now: float) -> None:
        """Release a large backlog of held fixes (old data replayed fast) one second of data
        time at a time, yielding between steps, so one tick never stalls the loop. Results
        do not depend on when ticks come, so the steps change nothing but the latency."""
        window = self.tracker.ctx.patrol.reorder_window_s
        while (oldest := self.tracker.oldest_held()) is not None:
            step = oldest + window + TICK_STEP_S
            if step >= now:
                return
            self._emit(self.tracker.tick(step))
            await self._input_first()

    async def _input_first(self) -> None:
        """Yield, and let positions submitted meanwhile be tracked before the tick goes on
        (waiting at most TICK_YIELD_S: a steady flood must not hold time-based rules back)."""
        await asyncio.sleep(0)
        if self._queued:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_YIELD_S):
                    await self._idle.wait()

    def _emit(self, events: list[Event]) -> None:
        self.fanout.publish(events)
