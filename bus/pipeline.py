"""The in-process position pipeline: gateways submit, one task runs tracking in device order.

Tracking is CPU work on plain state, so it runs on the event loop in bounded chunks rather than
in a thread, where the GIL would only add switching. A chunk is sized to take about PASS_S of the
loop (from the measured cost per position, between CHUNK and CHUNK_MAX positions): much of a
pass is work per device (its reorder window, its matcher and rules state), shared by all of that
device's fixes in the chunk, so a larger chunk costs less per position; a smaller one holds the
loop (answers, live pushes) less long. Below CHUNK positions queued, a pass takes what there is.
Submitted positions go first: a tick releases a backlog of held fixes in small steps and, before
each step, lets whatever was submitted meanwhile be tracked (and its live events go out), for at
most TICK_YIELD_S, so neither starves the other.

Failures (README, Failure policy): tracking runs through a Guard (bus/guard.py), so a position
that makes a stage raise is narrowed down and dead-lettered and the rest goes on. The tracking
task is supervised: if it dies anyway it is started again with its chunk (a position tracked
twice is dropped as a retransmission); if it keeps dying, or the guard finds the tracker's state
untrustworthy, the pipeline stops taking input (gateways answer 503) and asks the process to
exit non-zero (`on_fatal`), so that a restart replays the journal. /healthz says so meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable

from bus.events import EventFanout
from bus.guard import Failure, Guard, GuardBroken
from bus.health import Health
from gateway.sink import SinkUnavailable
from metrics.registry import Metrics
from model.clock import Clock
from model.events import Event
from model.position import Position
from model.timewindow import TimeWindow
from store.deadletter import DeadLetter, DeadLetterJournal
from store.journal import PositionJournal
from tracking.engine import Tracker

log = logging.getLogger(__name__)

CHUNK = 1_000
CHUNK_MAX = 8_000
PASS_S = 0.015
REPLAY_TICK_S = 10.0
TICK_YIELD_S = 0.05  # longest a tick step waits for submitted positions to be tracked first
# A checkpoint (what a failed batch is rolled back to) once the log since the last one would
# take about as long to replay as this many positions, or 50 a device: a checkpoint costs
# about 10 us a device, a replay about 6 us a position.
CHECKPOINT_POSITIONS = 100_000
RESTARTS = 5  # deaths of the tracking task within RESTART_WINDOW_S before the process exits
RESTART_WINDOW_S = 60.0
WORKER = "tracker"


class Pipeline:
    def __init__(self, tracker: Tracker, fanout: EventFanout, metrics: Metrics, clock: Clock,
                 max_queued: int, tick_s: float = 1.0,
                 journal: PositionJournal | None = None,
                 dead: DeadLetterJournal | None = None, health: Health | None = None,
                 on_fatal: Callable[[str], None] | None = None,
                 window: TimeWindow | None = None) -> None:
        self.tracker, self.fanout, self.metrics, self.clock = tracker, fanout, metrics, clock
        self.journal, self.dead = journal, dead
        # The gateways' time rule, applied again to what the journal replays: a journal
        # written before the rule (or by hand) cannot move the data clock at start.
        self.window = window
        self.replay_skipped: dict[str, int] = {}
        self.health = health if health is not None else Health(metrics)
        self.on_fatal = on_fatal
        self.max_queued, self.tick_s = max_queued, tick_s
        self.guard = Guard(tracker, WORKER, self._dead_letters, self._failure,
                           every=max(CHECKPOINT_POSITIONS, 50 * len(tracker.registry)))
        self._queue: deque[tuple[float, list[Position]]] = deque()
        self._per_position = 10e-6  # s of tracking a position, moving average over chunks
        self._queued = 0
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self.stopped: str | None = None  # why tracking stopped for good (fatal)
        self._deaths: list[float] = []
        self.health.up(WORKER)

    @property
    def queued(self) -> int:
        return self._queued

    def known(self, device: str) -> bool:
        return self.tracker.registry.lookup(device) is not None

    async def submit(self, positions: list[Position]) -> None:
        while self._queued >= self.max_queued and self.stopped is None:
            self._space.clear()  # back-pressure: the gateway waits, drops nothing
            await self._space.wait()
        if self.stopped is not None:  # never acknowledge what will not be tracked
            raise SinkUnavailable(f"tracking stopped: {self.stopped}")
        if self.journal is not None:  # written before the device hears "accepted"
            try:
                self.journal.append(positions)
            except OSError as exc:
                self.health.down("journal", f"cannot write the journal: {exc}")
                raise SinkUnavailable("journal unavailable") from exc
            self.health.up("journal")
        self._queue.append((time.perf_counter(), positions))
        self._queued += len(positions)
        self.metrics.queue_depth.set(self._queued)
        self._idle.clear()
        self._wake.set()

    def restore(self) -> int:
        """Replay the journal into the tracker (before any input is taken); positions replayed.

        Ticks run every REPLAY_TICK_S of data time, as the live clock would have run them.
        Positions dead-lettered live are dead-lettered again (the same ones), not twice."""
        if self.journal is None:
            return 0
        guard = self.guard
        guard.replaying = True
        count, next_tick = 0, float("-inf")
        skipped = self.replay_skipped
        try:
            for batch in self.journal.replay():
                if self.window is not None:
                    batch = self._in_window(batch)
                    if not batch:
                        continue
                guard.ingest(batch)
                count += len(batch)
                newest = max(p.ts for p in batch)
                if newest >= next_tick:
                    guard.tick(newest)
                    next_tick = newest + REPLAY_TICK_S
            if self.clock.now() > 0:  # a data clock that has seen nothing has no time to tick
                guard.tick(self.clock.now())
        finally:
            guard.replaying = False
        skipped["unreadable lines"] = self.journal.skipped_lines
        for reason, n in skipped.items():
            if n:
                log.warning("journal replay: skipped %d %s", n, reason)
        return count

    def _in_window(self, batch: list[Position]) -> list[Position]:
        assert self.window is not None
        bounds = self.window.bounds()
        earliest, latest = bounds
        if all(earliest <= p.ts <= latest for p in batch):
            return batch
        kept = []
        for p in batch:
            reason = self.window.refusal(p.ts, bounds)
            if reason is None:
                kept.append(p)
            else:
                key = "positions: " + ("ts in the future" if p.ts > latest else "ts too old")
                self.replay_skipped[key] = self.replay_skipped.get(key, 0) + 1
        return kept

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._supervise(), name="pipeline"),
                       asyncio.create_task(self._tick(), name="pipeline-tick")]

    async def drain(self) -> None:
        """Wait until everything submitted so far has been tracked (RuntimeError if tracking
        stopped for good: what is queued will be tracked from the journal at the next start)."""
        while self._queued:
            if self.stopped is not None:
                raise RuntimeError(f"tracking stopped: {self.stopped}")
            self._wake.set()
            await self._idle.wait()

    async def stop(self) -> None:
        if self.stopped is None:
            with contextlib.suppress(RuntimeError):
                await self.drain()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.journal is not None:
            self.journal.close()  # held fixes stay held: the journal replays them next start
        elif self.stopped is None:
            self._emit(self.guard.flush())
        if self.dead is not None:
            self.dead.close()

    def _take(self) -> tuple[list[float], list[Position]]:
        stamps: list[float] = []
        chunk: list[Position] = []
        size = max(CHUNK, min(CHUNK_MAX, int(PASS_S / self._per_position)))
        while self._queue and len(chunk) < size:
            stamp, positions = self._queue.popleft()
            stamps.append(stamp)
            chunk.extend(positions)
        self._queued -= len(chunk)
        return stamps, chunk

    async def _supervise(self) -> None:
        """Run the tracking loop; start it again if it dies, stop for good if it keeps dying."""
        while self.stopped is None:
            try:
                await self._run()
            except GuardBroken as exc:
                self._fatal(str(exc))
            except Exception as exc:
                log.exception("tracking task died")
                self.metrics.worker_restarts.labels(WORKER).inc()
                now = time.monotonic()
                self._deaths = [t for t in self._deaths if now - t < RESTART_WINDOW_S] + [now]
                if len(self._deaths) > RESTARTS:
                    self._fatal(f"the tracking task died {len(self._deaths)} times in "
                                f"{RESTART_WINDOW_S:.0f} s; last: {type(exc).__name__}: {exc}")
                else:
                    self.health.down(WORKER, f"tracking task died ({type(exc).__name__}: "
                                     f"{exc}); restarted")
                    self.health.failed(WORKER, "task", type(exc).__name__, "restarted")
                    await asyncio.sleep(0.1 * len(self._deaths))

    def _fatal(self, reason: str) -> None:
        self.stopped = reason
        self.health.down(WORKER, f"stopped: {reason}")
        self._space.set()  # waiting submitters hear 503
        self._idle.set()
        if self.on_fatal is not None:
            self.on_fatal(reason)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                stamps, chunk = self._take()
                try:
                    self.process(chunk)
                except BaseException:
                    # Put back (a position tracked twice is dropped as a retransmission).
                    self._queue.appendleft((stamps[0], chunk))
                    self._queued += len(chunk)
                    self._wake.set()  # the restarted task takes it first
                    raise
                done = time.perf_counter()
                for stamp in stamps:
                    self.metrics.ingest_latency.observe(done - stamp)
                self.metrics.queue_depth.set(self._queued)
                if self.journal is not None:
                    self._flush_journal()
                self._space.set()
                self.health.up(WORKER)
                await asyncio.sleep(0)  # let ingest and live clients breathe between chunks
            self._idle.set()

    def _flush_journal(self) -> None:
        assert self.journal is not None
        try:
            self.journal.flush()
        except OSError as exc:
            self.health.down("journal", f"cannot write the journal: {exc}")

    def process(self, chunk: list[Position]) -> None:
        started = time.perf_counter()
        self._emit(self.guard.ingest(chunk))
        self.metrics.positions_processed.inc(len(chunk))
        took = time.perf_counter() - started
        self.metrics.batch_seconds.observe(took)
        if chunk:
            self._per_position += 0.2 * (took / len(chunk) - self._per_position)

    async def _tick(self) -> None:
        while self.stopped is None:
            await asyncio.sleep(self.tick_s)
            now = self.clock.now()
            if now <= 0:  # a data clock that has seen no position yet: no time has passed
                continue
            try:
                await self._tick_through_backlog(now)
                await self._input_first()
                self._emit(self.guard.tick(now))
                if self.journal is not None:
                    self._flush_journal()
                    # fsync can take tens of ms on a busy disk: never on the event loop
                    await asyncio.to_thread(self.journal.sync)
            except GuardBroken as exc:
                self._fatal(str(exc))
            except Exception as exc:
                log.exception("tick failed")
                self.health.failed(WORKER, "tick", type(exc).__name__, f"a tick failed: {exc}")

    async def _tick_through_backlog(self, now: float) -> None:
        """Release a large backlog of held fixes (old data replayed fast) a step of data
        time at a time (tracking/engine.py BACKLOG_STEP_S), yielding between steps, so one
        tick never stalls the loop."""
        while (step := self.tracker.backlog_step(now)) is not None:
            self._emit(self.guard.tick(step))
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

    def _dead_letters(self, letters: list[DeadLetter]) -> None:
        if self.dead is not None:
            try:
                letters = self.dead.write(letters)
            except OSError as exc:  # not kept on disk: said loudly, still counted
                log.critical("dead letters not written (%s): %s", exc,
                             [letter.to_json() for letter in letters])
                self.health.down("deadletter", f"cannot write the dead-letter journal: {exc}")
        self.health.dead_letters(letters)

    def _failure(self, failure: Failure) -> None:
        self.health.failed(WORKER, failure.stage, failure.reason,
                           f"{failure.stage} failed ({failure.reason}: {failure.error}); "
                           "the tick was skipped")
