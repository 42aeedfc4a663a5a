"""In-process fan-out of live events to whoever listens (the live hub, metrics, ...)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from model.events import Event

log = logging.getLogger(__name__)

Listener = Callable[[Sequence[Event]], None]


class EventFanout:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:  # one broken listener must not stop the others
                log.exception("event listener %r failed", listener)

    def publish_one(self, event: Event) -> None:
        self.publish((event,))
