"""One failure policy for tracking, in one process and over Redis: a batch that makes a stage
raise costs only the positions at fault, which go to the dead-letter journal; the rest goes on.

The guard runs every batch on the tracker as usual (no cost while nothing fails) and keeps a
checkpoint (tracking/checkpoint.py) and the log of what it applied since. When a stage raises
(tracking.engine.StageFailed), the tracker is half-way through the batch, so:

1. Narrow down, device by device (the device the stage was at first): each device of the
   batch (of a tick: each device with fixes since the checkpoint) has its positions since the
   checkpoint tried again on a scratch tracker, each try followed by a flush, so that a fix is
   judged when it is counted and not when a later batch releases it; a binary search finds
   the shortest prefix that fails, whose last position is poison (tracking/trial.py).
2. If that finds nothing (a failure that depends on more than one device), bisect the batch on
   the real tracker: the shortest prefix that fails ends with the position at fault.
3. Poison positions are taken out of the log and the batch, as if never received, the tracker
   goes back to the checkpoint and replays the log, then runs the batch again. The letters go
   to `on_dead` (the journal, metrics, /healthz).

A tick that fails with no position at fault is skipped (the tracker stays as before it) and
reported; the next tick tries again. The same positions give the same dead letters on a replay
of the journal: what is tried is each device's own sequence of positions, which does not
depend on how they were batched. A failure during the replay of the log itself (which worked
the first time) means the failure is not in the data: GuardBroken, and the worker must start
again from stored state (the process exits; a Redis worker retakes its partitions).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from store.deadletter import DeadLetter, letter_for, position_input
from tracking import checkpoint
from tracking.engine import StageFailed
from tracking.trial import Trial

if TYPE_CHECKING:
    from model.events import Event
    from model.position import Position
    from tracking.engine import Tracker

log = logging.getLogger(__name__)

MAX_ROUNDS = 64  # narrowing rounds for one batch before it is dead-lettered whole


class GuardBroken(RuntimeError):
    """The tracker failed where it had worked before: its state can no longer be trusted."""


@dataclass(slots=True)
class Op:
    kind: str  # ingest | tick | flush
    positions: list[Position] = field(default_factory=list)
    now: float = 0.0


@dataclass(slots=True)
class Failure:
    """A contained failure that did not come down to positions (a tick skipped)."""

    stage: str
    reason: str
    error: str


class Guard:
    def __init__(self, tracker: Tracker, worker: str,
                 on_dead: Callable[[list[DeadLetter]], None],
                 on_failure: Callable[[Failure], None] | None = None,
                 every: int | None = None) -> None:
        """every: take a checkpoint once the log would take about as long to replay as this
        many positions (None: the caller takes them, e.g. with each Redis commit)."""
        self.tracker, self.worker = tracker, worker
        self.on_dead, self.on_failure = on_dead, on_failure
        self.every = every
        self.replaying = False  # letters found now are repeats of a journal replay's
        self.recoveries = 0
        self.recovery_s = 0.0  # time the last recovery took
        self.checkpoint()

    # Running -------------------------------------------------------------------------------

    def ingest(self, positions: list[Position]) -> list[Event]:
        return self._run(Op("ingest", list(positions)))

    def tick(self, now: float) -> list[Event]:
        return self._run(Op("tick", now=now))

    def flush(self) -> list[Event]:
        return self._run(Op("flush"))

    def checkpoint(self) -> checkpoint.Checkpoint:
        """A new rollback point here (the log starts afresh); returned for the caller to store
        (a Redis commit writes its state)."""
        self.cp = checkpoint.take(self.tracker)
        self.log: list[Op] = []
        self.cost = 0  # of replaying the log, in positions
        return self.cp

    def _apply(self, op: Op) -> list[Event]:
        t = self.tracker
        try:
            if op.kind == "ingest":
                return t.ingest(op.positions)
            if op.kind == "tick":
                return t.tick(op.now)
            return t.flush()
        except StageFailed:
            raise
        except Exception as exc:  # outside the stages (drain, forget): the tracker's all the same
            raise StageFailed("Tracker", exc) from exc

    def _run(self, op: Op) -> list[Event]:
        try:
            events = self._apply(op)
        except StageFailed as exc:
            started = time.perf_counter()
            events = self._recover(op, exc)
            self.recoveries += 1
            self.recovery_s = time.perf_counter() - started
            log.warning("%s: recovered from a failed %s in %.3f s", self.worker, op.kind,
                        self.recovery_s)
        self.log.append(op)
        # A batch costs a vectorised match however small; a tick visits every device.
        self.cost += len(op.positions) + (20 if op.kind == "ingest"
                                          else self.tracker.size // 2)
        if self.every is not None and self.cost >= self.every:
            self.checkpoint()
        return events

    # Recovering ----------------------------------------------------------------------------

    def _rollback(self) -> None:
        """The tracker as it was before the current batch: checkpoint, then the log."""
        checkpoint.restore(self.tracker, self.cp, self._since())
        for done in self.log:
            try:
                self._apply(done)  # its events went out when it first ran
            except StageFailed as exc:
                raise GuardBroken(f"{self.worker}: tracking failed replaying what it had "
                                  f"tracked before ({exc}): its state cannot be trusted"
                                  ) from exc

    def _since(self) -> Iterator[Position]:
        for done in self.log:
            yield from done.positions

    def _recover(self, op: Op, exc: StageFailed) -> list[Event]:
        letters: list[DeadLetter] = []
        for _ in range(MAX_ROUNDS):
            found = self._narrow(op, exc.device) or self._bisect(op)
            if not found:
                break
            letters += [self._letter(pos, fault) for pos, fault in found]
            self._remove({id(pos) for pos, _ in found}, op)
            self._rollback()
            try:
                events = self._apply(op)
            except StageFailed as again:
                exc = again
                continue
            self._report(letters)
            return events
        self._rollback()
        if op.positions:  # not narrowed down: the whole batch, said so
            letters += [self._letter(pos, exc, narrowed=False) for pos in op.positions]
            op.positions = []
        else:
            log.error("%s: %s failed (%s); skipped, the next one tries again", self.worker,
                      op.kind, exc)
            if self.on_failure is not None:
                self.on_failure(Failure(exc.stage, type(exc.error).__name__, str(exc.error)))
        self._report(letters)
        return []

    def _narrow(self, op: Op, hint: str | None) -> list[tuple[Position, StageFailed]]:
        """The suspect devices' positions since the checkpoint tried again: the device the
        stage was at first, alone; if it is not at fault, every device of the batch (of a
        tick: every device with fixes since the checkpoint) all at once, then one by one the
        positions of those that fail."""
        ops = [*self.log, op]
        trial = Trial(self.tracker)
        if hint is not None:
            found = self._try_device(trial, hint, ops)
            if found:
                return found
        if op.kind == "ingest":
            suspects = list(dict.fromkeys(p.device for p in op.positions))
        else:
            suspects = list(dict.fromkeys(
                [d.id for d in self.cp.state.devices if d.held]
                + [p.device for done in ops for p in done.positions]))
        found = []
        for device in suspects:
            if device != hint:
                found += self._try_device(trial, device, ops)
        return found

    def _try_device(self, trial: Trial, device: str, ops: list[Op]
                    ) -> list[tuple[Position, StageFailed]]:
        # Fixes held at the checkpoint come out of it (and so out of the rollback).
        found = trial.start(device, self.cp.state)
        return found + trial.poison([p for done in ops for p in done.positions
                                     if p.device == device])

    def _bisect(self, op: Op) -> list[tuple[Position, StageFailed]]:
        """The position whose arrival makes the batch fail on the real tracker (the shortest
        failing prefix), for failures no single device shows alone."""
        if not op.positions:
            return []
        lo, hi = 1, len(op.positions)  # the prefix of hi positions fails
        fault: StageFailed | None = None
        while lo < hi:
            mid = (lo + hi) // 2
            self._rollback()
            try:
                self._apply(Op("ingest", op.positions[:mid]))
            except StageFailed as exc:
                hi, fault = mid, exc
            else:
                lo = mid + 1
        if fault is None:  # the whole batch is the shortest: try it once more to get the error
            self._rollback()
            try:
                self._apply(Op("ingest", op.positions[:hi]))
            except StageFailed as exc:
                fault = exc
            else:
                return []  # it did not fail again: nothing to blame
        return [(op.positions[hi - 1], fault)]

    def _remove(self, ids: set[int], op: Op) -> None:
        for done in [*self.log, op]:
            if any(id(p) in ids for p in done.positions):
                done.positions = [p for p in done.positions if id(p) not in ids]

    def _letter(self, pos: Position, fault: StageFailed, narrowed: bool = True) -> DeadLetter:
        letter = letter_for(self.worker, fault.stage, fault.error, position_input(pos))
        if not narrowed:
            letter.error = f"{letter.error} (the batch could not be narrowed down)"
        letter.replayed = self.replaying
        return letter

    def _report(self, letters: list[DeadLetter]) -> None:
        if letters:
            for letter in letters:
                log.error("%s: dead letter at %s: %s: %s; input %s", self.worker, letter.stage,
                          letter.reason, letter.error, letter.input)
            self.on_dead(letters)
