"""Pushed cameras that stall: offline after `offline_after_s` without a frame, online at the next.

A pulled camera's silence is seen by its capture thread (video/sources.py); a pushed camera has
no such thread, so the service notes each frame it accepts and looks for silence twice a
second. A camera that has never pushed is not reported (it may not be installed yet); one that
pushed and stopped is. Silence is measured on the monotonic clock: a replayed day's data time
says nothing about whether the camera is still sending.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class PushWatch:
    def __init__(self, offline_after_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self.offline_after_s = offline_after_s
        self.now = now
        self.last: dict[str, float] = {}
        self.offline: set[str] = set()

    def seen(self, camera: str) -> bool:
        """A frame arrived; True if the camera was offline until now."""
        self.last[camera] = self.now()
        if camera in self.offline:
            self.offline.discard(camera)
            return True
        return False

    def silent(self) -> list[str]:
        """Cameras that have just gone offline (each reported once until it pushes again)."""
        now = self.now()
        found = sorted(c for c, t in self.last.items()
                       if c not in self.offline and now - t >= self.offline_after_s)
        self.offline.update(found)
        return found
