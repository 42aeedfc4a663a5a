"""An aiohttp site whose connections go through the process's ConnectionGate, with a deadline
for the first request head, a keep-alive idle timeout, and tokens scrubbed from aiohttp's own
error answers (a malformed request line carrying ?token= was echoed in its 400 body).

Used by the main HTTP/WebSocket port and by the OsmAnd listener.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from aiohttp import web
from aiohttp.web_request import BaseRequest

from gateway.connections import BACKLOG, ConnectionGate, peer_address
from gateway.scrub import scrub

_BODY = b'{"error": "too many connections; retry"}'
_REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
            + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY)


class GuardedHandler(web.RequestHandler):
    def __init__(self, manager: web.Server, *, gate: ConnectionGate, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self.gate = gate
        self.address = ""
        self.admitted = False
        self.waiting_head = True
        self.tail = b""
        self.deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.address = peer_address(transport)
        assert isinstance(transport, asyncio.Transport)
        if not self.gate.admit(self, self.address, transport.abort):
            transport.write(_REFUSED)
            transport.close()
            return
        self.admitted = True
        super().connection_made(transport)
        self.deadline = asyncio.get_running_loop().call_later(
            self.gate.header_timeout_s, self._no_head, transport)

    def _no_head(self, transport: asyncio.Transport) -> None:
        if self.waiting_head:
            self.gate.counted("header_timeout")
            transport.abort()

    def data_received(self, data: bytes) -> None:
        if self.waiting_head:
            seen = self.tail + data
            if b"\r\n\r\n" in seen:
                self.waiting_head = False
                self.gate.spoke(self)
                if self.deadline is not None:
                    self.deadline.cancel()
            else:
                self.tail = seen[-3:]
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        if not self.admitted:
            return
        self.admitted = False
        if self.deadline is not None:
            self.deadline.cancel()
        self.gate.release(self, self.address)
        super().connection_lost(exc)

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        return super().handle_error(request, status, exc,
                                    None if message is None else scrub(message))


class GuardedSite(web.SockSite):
    """SockSite whose protocol factory makes GuardedHandlers (same runner lifecycle)."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, gate: ConnectionGate,
                 **handler_kwargs: Any) -> None:
        super().__init__(runner, sock, backlog=BACKLOG)
        self.gate, self.handler_kwargs = gate, handler_kwargs

    async def start(self) -> None:
        await web.BaseSite.start(self)
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None

        def factory() -> GuardedHandler:
            return GuardedHandler(server, gate=self.gate, loop=loop, **self.handler_kwargs)

        self._server = await loop.create_server(factory, sock=self._sock,
                                                backlog=self._backlog)
