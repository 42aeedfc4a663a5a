"""The dead-letter journal: inputs a worker could not process, kept with why, never dropped.

A position that makes a tracking stage raise, a camera frame that makes the analysis raise, a
live event that cannot be encoded: each is written here with the worker, the stage, the error
and the input itself, counted in /metrics and shown in /healthz (bus/health.py), and the rest
goes on. Memory backend: one JSON line per letter in
`<data_dir>/deadletter/deadletter-YYYY-MM-DD.jsonl` (UTC day of writing), fsynced, kept
`keep_days`; frames' bytes beside it in `deadletter/frames/<sha256>.jpg`. Redis layout: a
stream per partition (`gw:{pN}:dead`, written in the commit that acknowledges the entry) and
`gw:{video}:dead`, the same record in field `d`.

    {"at": 1795140000.1, "worker": "tracker", "stage": "CountPasses", "reason": "ValueError",
     "error": "...", "input": {"device": "p-g1-a", "ts": 1795139990.0, "lat": ..., ...}}
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from model.clock import DAY_S
from model.position import Position

log = logging.getLogger(__name__)

NAME = re.compile(r"^deadletter-(\d{4}-\d{2}-\d{2})\.jsonl$")


@dataclass(slots=True)
class DeadLetter:
    worker: str  # tracker, partition 3, video, live, ...
    stage: str  # where it failed: a tracking stage (CountPasses, ...), decode, analysis, encode
    reason: str  # the error's type: the /metrics label
    error: str
    input: dict[str, Any]
    at: float = field(default_factory=time.time)
    replayed: bool = False  # found again while replaying the journal at start

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "worker": self.worker, "stage": self.stage,
                "reason": self.reason, "error": self.error, "input": self.input}

    def encode(self) -> bytes:
        return orjson.dumps(self.to_json())

    def key(self) -> tuple[Any, ...]:
        """What makes two letters the same input failing the same way (a replay's repeat)."""
        return (self.stage, self.reason, self.input.get("device") or self.input.get("camera"),
                self.input.get("ts"))


def position_input(pos: Position) -> dict[str, Any]:
    return pos.to_json()


def letter_for(worker: str, stage: str, error: BaseException, input_: dict[str, Any]
               ) -> DeadLetter:
    message = str(error) or repr(error)
    return DeadLetter(worker, stage, type(error).__name__, message[:2000], input_)


class DeadLetterJournal:
    """The memory backend's dead letters, on disk. Letters found again by a replay of the
    position journal (the same input, failing the same way) are not written twice."""

    def __init__(self, folder: Path, keep_days: int = 7,
                 wall: Callable[[], float] = time.time) -> None:
        self.folder, self.keep_days, self.wall = folder, keep_days, wall
        self._file: IO[bytes] | None = None
        self._day = ""
        self._known: set[tuple[Any, ...]] | None = None
        self.written = 0

    def _path(self, day: str) -> Path:
        return self.folder / f"deadletter-{day}.jsonl"

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if NAME.match(p.name))

    def read(self) -> list[dict[str, Any]]:
        """Every letter kept, oldest first (unreadable lines skipped)."""
        out = []
        for path in self.files():
            for line in path.read_bytes().splitlines():
                with contextlib.suppress(orjson.JSONDecodeError):
                    out.append(orjson.loads(line))
        return out

    def _seen(self) -> set[tuple[Any, ...]]:
        if self._known is None:
            self._known = set()
            for row in self.read():
                inp = row.get("input") or {}
                self._known.add((row.get("stage"), row.get("reason"),
                                 inp.get("device") or inp.get("camera"), inp.get("ts")))
        return self._known

    def write(self, letters: list[DeadLetter]) -> list[DeadLetter]:
        """Append and fsync; the letters actually written (replayed repeats are not)."""
        fresh = []
        seen = self._seen()
        for letter in letters:
            key = letter.key()
            if letter.replayed and key in seen:
                continue
            seen.add(key)
            fresh.append(letter)
        if not fresh:
            return []
        now = self.wall()
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        if day != self._day:
            self.close()
            self.folder.mkdir(parents=True, exist_ok=True)
            self._day = day
            self._file = self._path(day).open("ab")
            self._prune(now)
        assert self._file is not None
        self._file.write(b"".join(letter.encode() + b"\n" for letter in fresh))
        self._file.flush()
        os.fsync(self._file.fileno())
        self.written += len(fresh)
        return fresh

    def keep_frame(self, jpeg: bytes) -> str:
        """A frame's bytes beside the journal; its name (the SHA-256, never from input)."""
        digest = hashlib.sha256(jpeg).hexdigest()
        folder = self.folder / "frames"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{digest}.jpg"
        if not path.exists():
            path.write_bytes(jpeg)
        return f"frames/{digest}.jpg"

    def _prune(self, now: float) -> None:
        cutoff = datetime.fromtimestamp(now - self.keep_days * DAY_S, UTC).date().isoformat()
        for path in self.files():
            match = NAME.match(path.name)
            if match and match.group(1) < cutoff:
                path.unlink()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
