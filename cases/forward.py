"""HTTP/1.1 to the case-loop child over a few kept-alive loopback connections.

Forwarding a case action through aiohttp's client cost the server about as much CPU as the
action itself in the child (its request machinery: URL objects, timers, tracing hooks, cookie
jar); the child is ours and on 127.0.0.1, so this client writes the request bytes itself and
reads back an answer with a Content-Length (or chunked). Nothing is ever sent twice: a
connection that fails mid-request raises, and the caller answers 503."""

from __future__ import annotations

import asyncio
import contextlib
import time

IDLE_S = 30.0  # a connection unused this long is closed (the child keeps one 10 minutes)
MAX_HEAD = 64 * 1024


class ChildGone(ConnectionError):
    """The child closed the connection or answered something that is not HTTP."""


class Answer:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


class Forwarder:
    def __init__(self, port: int, pool: int = 64) -> None:
        self.port = port
        self.max_idle = pool
        self._idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, method: str, target: str, headers: dict[str, str],
                      body: bytes) -> Answer:
        """method and target as the server parsed them; header values without CR or LF."""
        reader, writer = await self._connection()
        head = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            answer, keep = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as exc:
            writer.close()
            raise ChildGone(str(exc) or type(exc).__name__) from exc
        except BaseException:  # cancelled: the answer may still come; never reuse it
            writer.close()
            raise
        if keep and len(self._idle) < self.max_idle:
            self._idle.append((time.monotonic(), reader, writer))
        else:
            writer.close()
        return answer

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        now = time.monotonic()
        while self._idle:
            used, reader, writer = self._idle.pop()
            if now - used < IDLE_S and not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        try:
            return await asyncio.open_connection("127.0.0.1", self.port, limit=MAX_HEAD)
        except OSError as exc:
            raise ChildGone(str(exc)) from exc

    def close(self) -> None:
        for _, _, writer in self._idle:
            with contextlib.suppress(Exception):
                writer.close()
        self._idle.clear()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[Answer, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP answer: {lines[0][:80]!r}")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().title()] = value.strip()
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers from aiohttp
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        data = bytes(body)
    else:
        data = await reader.readexactly(int(headers.get("Content-Length", "0")))
    keep = headers.get("Connection", "").lower() != "close"
    return Answer(status, headers, data), keep
