"""A write-ahead journal of accepted positions: a restarted server replays it and resumes the
day's figures exactly (tracking is deterministic in the positions' own times).

One file per UTC day of arrival, one JSON line per accepted batch:
    {"t": <arrival epoch s>, "p": [{"device", "ts", "lat", "lon", "acc", "speed", "heading",
                                    "attrs"}, ...]}
each position as model/position.py's Struct writes itself (fields left at their default,
e.g. no `acc`, are left out): msgspec writes a batch in one call, with no list built per fix.
Journals written before that hold each position as [device, ts, lat, lon, acc, speed,
heading, attrs]; both are read.
A line torn by a crash is skipped on replay (it was never acknowledged to its device: the
line is written before the answer goes out). Files older than the retention are deleted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import msgspec
import orjson

from model.clock import DAY_S
from model.position import Position

log = logging.getLogger(__name__)

NAME = re.compile(r"^positions-(\d{4}-\d{2}-\d{2})\.jsonl$")


def _position(row: list[Any] | dict[str, Any]) -> Position:
    if isinstance(row, dict):
        return Position(row["device"], row["ts"], row["lat"], row["lon"], row.get("acc"),
                        row.get("speed"), row.get("heading"), row.get("attrs") or {})
    device, ts, lat, lon, acc, speed, heading, attrs = row
    return Position(device, ts, lat, lon, acc, speed, heading, attrs or {})


class _Line(msgspec.Struct):
    t: float
    p: list[Position]


_encoder = msgspec.json.Encoder()


class PositionJournal:
    def __init__(self, folder: Path, keep_days: int = 7,
                 wall: Callable[[], float] = time.time) -> None:
        self.folder, self.keep_days, self.wall = folder, keep_days, wall
        self.folder.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = None
        self._day = ""
        self.written = 0
        self.skipped_lines = 0  # unreadable lines met by the last replay()

    def _path(self, day: str) -> Path:
        return self.folder / f"positions-{day}.jsonl"

    def append(self, positions: list[Position]) -> None:
        now = self.wall()
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        if day != self._day:
            self.close()
            self._day = day
            self._file = self._path(day).open("ab")
            self.prune(now)
        assert self._file is not None
        self._file.write(_encoder.encode(_Line(now, positions)) + b"\n")
        self.written += len(positions)

    def flush(self, durable: bool = False) -> None:
        if self._file is not None:
            self._file.flush()
            if durable:
                os.fsync(self._file.fileno())

    def sync(self) -> None:
        """fsync what flush() handed the OS; safe to run in a thread beside appends."""
        handle = self._file
        if handle is not None:
            with contextlib.suppress(OSError, ValueError):  # closed meanwhile: close() synced
                os.fsync(handle.fileno())

    def close(self) -> None:
        if self._file is not None:
            self.flush(durable=True)
            self._file.close()
            self._file = None

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if NAME.match(p.name))

    def prune(self, now: float) -> None:
        cutoff = datetime.fromtimestamp(now - self.keep_days * DAY_S, UTC).date().isoformat()
        for path in self.files():
            match = NAME.match(path.name)
            if match and match.group(1) < cutoff:
                log.info("journal: deleting %s (older than %d days)", path.name, self.keep_days)
                path.unlink()

    def replay(self) -> Iterator[list[Position]]:
        """Every journalled batch in arrival order; torn or corrupt lines are skipped, logged
        and counted in skipped_lines."""
        self.skipped_lines = 0
        for path in self.files():
            with path.open("rb") as handle:
                for number, line in enumerate(handle, 1):
                    try:
                        record = orjson.loads(line)
                        batch = [_position(row) for row in record["p"]]
                        if not all(isinstance(p.ts, float | int) and isinstance(p.device, str)
                                   for p in batch):
                            raise TypeError("bad row")
                    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                        self.skipped_lines += 1
                        log.warning("journal: skipping unreadable line %d of %s", number,
                                    path.name)
                        continue
                    yield batch
