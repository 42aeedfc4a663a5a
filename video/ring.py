"""Each camera's recent full-resolution frames, kept as the compressed JPEG bytes that arrived.

A 720p JPEG is ~50-150 kB against 2.7 MB decoded, so forty seconds of a camera fit in a few
megabytes; frames are decoded in full only when evidence is written.
"""

from __future__ import annotations

import collections


class FrameRing:
    def __init__(self, seconds: float, max_bytes: int) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self._frames: collections.deque[tuple[float, bytes]] = collections.deque()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def add(self, ts: float, jpeg: bytes) -> None:
        if self._frames and ts < self._frames[-1][0]:
            return  # a camera whose clock stepped back: keep the ring in time order
        self._frames.append((ts, jpeg))
        self.nbytes += len(jpeg)
        while self._frames and (ts - self._frames[0][0] > self.seconds
                                or self.nbytes > self.max_bytes):
            self.nbytes -= len(self._frames.popleft()[1])

    def span(self, start: float, end: float) -> list[tuple[float, bytes]]:
        """Frames with start <= ts <= end, oldest first (the bytes are shared, not copied)."""
        return [(ts, data) for ts, data in self._frames if start <= ts <= end]

    def oldest(self) -> float | None:
        return self._frames[0][0] if self._frames else None

    def at(self, ts: float) -> bytes | None:
        """The frame taken at or just before ts (the newest one if ts is later)."""
        best = None
        for fts, data in self._frames:
            if fts > ts:
                break
            best = data
        return best
