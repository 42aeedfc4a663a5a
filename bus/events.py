"""In-process fan-out of live events to whoever listens (the live hub, metrics, ...).

A listener that raises is reported (`on_error`: /metrics and /healthz, README Failure policy)
and the other listeners still get the events."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from model.events import Event

log = logging.getLogger(__name__)

Listener = Callable[[Sequence[Event]], None]


class EventFanout:
    def __init__(self, on_error: Callable[[Listener, Exception], None] | None = None) -> None:
        self._listeners: list[Listener] = []
        self.on_error = on_error

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception as exc:  # one broken listener must not stop the others
                log.exception("event listener %r failed", listener)
                if self.on_error is not None:
                    self.on_error(listener, exc)

    def publish_one(self, event: Event) -> None:
        self.publish((event,))
