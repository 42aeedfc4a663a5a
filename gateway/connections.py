"""Connection limits shared by every listener of a process (HTTP and WebSockets, OsmAnd,
JT/T 808): a cap per client address, a cap for the process below its open-file limit, and a
deadline for a new connection's first request (docs/contract.md §4).

Without them about 20,000 silent connections used every file descriptor: accept() failed for
everyone, /healthz included. Now a connection that has not sent its first complete request
head (HTTP) or frame (JT/T 808) within `header_timeout_s` is closed; an address over its cap is
closed at once; and when the process is at its cap, a new connection evicts the oldest one
still waiting for its first request, so clients that talk (a device, a supervisor) get in
while silent ones are turned away. Accept errors are logged at most once per LOG_EVERY_S.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import resource
import socket
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

LOG_EVERY_S = 10.0
# The kernel's queue of connections not yet accepted (capped by net.core.somaxconn). A short
# one overflows under a connect flood, and every client then waits for a SYN resend (1 s, 3 s).
BACKLOG = 4096
RESERVE_FDS = 64  # descriptors kept for files, the journal, Redis and the like


def raise_open_files() -> int:
    """Raise the soft open-file limit to the hard one; the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


class ConnectionGate:
    def __init__(self, per_address: int, total: int, header_timeout_s: float,
                 count: Callable[[str], None] | None = None) -> None:
        """per_address: 0 for no cap; total: 0 for the open-file limit less RESERVE_FDS."""
        self.per_address = per_address
        self.total = total if total > 0 else max(16, raise_open_files() - RESERVE_FDS)
        self.header_timeout_s = header_timeout_s
        self._count = count
        self.by_address: collections.Counter[str] = collections.Counter()
        self.open = 0
        # Connections that have not sent a whole first request yet, oldest first.
        self.waiting: collections.OrderedDict[object, Callable[[], None]] = \
            collections.OrderedDict()

    def counted(self, what: str) -> None:
        if self._count is not None:
            self._count(what)

    def admit(self, key: object, address: str, evict: Callable[[], None]) -> bool:
        """A new connection: True when it may stay (then release() it when it ends)."""
        if self.per_address and self.by_address[address] >= self.per_address:
            self.counted("refused_per_address")
            return False
        if self.open >= self.total:
            if not self.waiting:
                self.counted("refused_total")
                return False
            _, oldest = self.waiting.popitem(last=False)
            self.counted("evicted_waiting")
            oldest()
        self.by_address[address] += 1
        self.open += 1
        self.waiting[key] = evict
        return True

    def spoke(self, key: object) -> None:
        """The connection sent its first whole request: never evicted for silence."""
        self.waiting.pop(key, None)

    def release(self, key: object, address: str) -> None:
        self.waiting.pop(key, None)
        self.open -= 1
        left = self.by_address[address] - 1
        if left > 0:
            self.by_address[address] = left
        else:
            del self.by_address[address]


def peer_address(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer)


class AcceptErrorLog:
    """An event-loop exception handler that logs accept() failures (EMFILE: out of file
    descriptors) at most once per LOG_EVERY_S with how many it held back, instead of once per
    failed accept (136 MB of log in 45 s); everything else goes to the default handler."""

    def __init__(self, count: Callable[[str], None] | None = None) -> None:
        self._count = count
        self._last = -LOG_EVERY_S
        self._held = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if "accept" not in message:
            loop.default_exception_handler(context)
            return
        if self._count is not None:
            self._count("accept_errors")
        now = time.monotonic()
        if now - self._last < LOG_EVERY_S:
            self._held += 1
            return
        held, self._held, self._last = self._held, 0, now
        log.error("%s: %s (%d more like it in the last %.0f s)", message,
                  context.get("exception"), held, LOG_EVERY_S)


def bind(host: str, port: int, what: str) -> socket.socket:
    """A listening socket, or OSError naming the listener and the setting to change."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=BACKLOG)
    except OSError as exc:
        raise OSError(exc.errno, f"{what} cannot listen on {host}:{port}: {exc.strerror}")\
            from None
