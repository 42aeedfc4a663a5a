"""python -m cases.child: the case loop in a process of its own ([cases] process = "child").

The server (cases/apart.py) starts it, writes one JSON line on its stdin (the config, the
city folder, the tokens, the database, the link's secret) and keeps stdin open: its end means
the server is gone, and the child stops. The child answers on 127.0.0.1 only requests that
carry the link's secret, and checks each one's bearer token and role itself, as the server
would. Once it listens it prints `ready PORT` on stdout.

What the case loop needs of the patrol side comes over the link WebSocket (cases/linkmsg.py):
the server's clock, spill alerts, and answers to its queries (a track for a check's proof of
presence, a road's passes for 漏报, the alerts); its live case events go back the same way."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
from aiohttp import WSMsgType, web
from sqlalchemy.exc import SQLAlchemyError

from cases import linkmsg
from cases.assemble import build_cases
from cases.catalog import CatalogError
from cases.errors import CaseError
from cases.records import Actor
from config.server import Config
from gateway.connections import bind
from geofence.city import load_city
from geofence.index import CityIndex
from model.alert import Alert
from model.clock import DataClock, WallClock
from web.app import build_app
from web.auth import TokenAuth

log = logging.getLogger("cases.child")
QUERY_TIMEOUT_S = 10.0


class Boot(msgspec.Struct, frozen=True):
    """The server's one line on stdin."""

    config: dict[str, Any]
    city: str
    tokens: dict[str, str]
    database: str | None
    secret: str
    port: int = 0
    clock: float = 0.0  # the server's clock when it started the child


class LinkDown(ConnectionError):
    """The server is not linked now: what the patrol side knows cannot be asked (503)."""


class Link:
    """The one link WebSocket from the server (a new one replaces the old)."""

    def __init__(self, secret: str, clock: DataClock | None) -> None:
        self.secret = secret.encode()
        self.clock = clock
        self.ws: web.WebSocketResponse | None = None
        self.out: asyncio.Queue[bytes] = asyncio.Queue()
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_spill: Callable[[dict[str, Any]], Awaitable[bool | None]] | None = None

    def trusted(self, request: web.Request) -> bool:
        given = request.headers.get(linkmsg.LINK_HEADER, "").encode()
        return hmac.compare_digest(given, self.secret)

    def observe(self, now: float) -> None:
        if self.clock is not None:
            self.clock.observe(now)

    def send(self, message: linkmsg.Message) -> None:
        if self.ws is not None:
            self.out.put_nowait(linkmsg.encode(message))

    def publish(self, events: Sequence[tuple[str, str | None, str]]) -> None:
        """hub.publish_encoded's stand-in: live case events to the server's /ws/live."""
        if events:
            self.send(linkmsg.Live(list(events)))

    async def ask(self, name: str, *args: Any) -> Any:
        if self.ws is None or self.ws.closed:
            raise LinkDown("the server is not linked")
        key = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        self.send(linkmsg.Query(key, name, list(args)))
        try:
            return await asyncio.wait_for(future, QUERY_TIMEOUT_S)
        except TimeoutError:
            raise LinkDown(f"the server did not answer {name}") from None
        finally:
            self._waiting.pop(key, None)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get("/link", self.serve)]

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=10.0, max_msg_size=64 * 1024 * 1024)
        await ws.prepare(request)
        if self.ws is not None:
            await self.ws.close()
        self.ws = ws
        self.out = asyncio.Queue()
        writer = asyncio.get_running_loop().create_task(self._write(ws, self.out))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT or msg.type == WSMsgType.BINARY:
                    self._heard(msg.data)
        finally:
            writer.cancel()
            if self.ws is ws:
                self.ws = None
                for future in self._waiting.values():
                    if not future.done():
                        future.set_exception(LinkDown("the link closed"))
        return ws

    @staticmethod
    async def _write(ws: web.WebSocketResponse, out: asyncio.Queue[bytes]) -> None:
        while True:
            data = await out.get()
            await ws.send_bytes(data)

    def _heard(self, data: bytes | str) -> None:
        try:
            message = linkmsg.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            log.error("link: refused a message: %s", exc)
            return
        if isinstance(message, linkmsg.Clock):
            self.observe(message.now)
        elif isinstance(message, linkmsg.Answer):
            future = self._waiting.get(message.id)
            if future is not None and not future.done():
                if message.error is None:
                    future.set_result(message.value)
                else:
                    kind = {"KeyError": KeyError, "ValueError": ValueError}.get(
                        message.error, LinkDown)
                    future.set_exception(kind(message.message))
        elif isinstance(message, linkmsg.Spill):
            task = asyncio.get_running_loop().create_task(self._spill(message.alert))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            log.error("link: %s is not for the child", type(message).__name__)

    async def _spill(self, alert: dict[str, Any]) -> None:
        assert self.on_spill is not None
        ok = await self.on_spill(alert)
        if ok is not None:  # None: try again later (the server sends it again)
            self.send(linkmsg.SpillDone(str(alert.get("id")), ok))


class LinkQueries:
    """web/api.py Queries over the link: the server answers from its tracker."""

    def __init__(self, link: Link) -> None:
        self.link = link

    async def compliance(self, date: str, now: float | None = None) -> Any:
        raise KeyError("not asked of the server")

    async def alerts(self, since: float = 0.0) -> list[Alert]:
        return [Alert(**a) for a in await self.link.ask("alerts", since)]

    async def devices(self) -> Any:
        raise KeyError("not asked of the server")

    async def track(self, device: str, date: str) -> dict[str, Any]:
        out: dict[str, Any] = await self.link.ask("track", device, date)
        return out

    async def road_passes(self, road: str, date: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = await self.link.ask("road_passes", road, date)
        return out

    async def day_passes(self, date: str) -> Any:
        raise KeyError("not asked of the server")

    async def daily_report(self, date: str) -> dict[str, Any]:
        raise KeyError("not asked of the server")


def _trusted_only(link: Link) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if not link.trusted(request):
            return web.json_response({"error": "not the server's link"}, status=403)
        clock = request.headers.get(linkmsg.CLOCK_HEADER)
        if clock:
            with contextlib.suppress(ValueError):
                link.observe(float(clock))
        response: web.StreamResponse = await handler(request)
        return response
    return middleware


async def run(boot: Boot) -> None:
    cfg = Config.model_validate(boot.config)
    city = load_city(boot.city)
    index = CityIndex(city)
    data_clock = DataClock(boot.clock) if cfg.server.clock == "data" else None
    link = Link(boot.secret, data_clock)
    part = build_cases(cfg, index, TokenAuth(boot.tokens), LinkQueries(link), None,
                       link.publish, data_clock or WallClock(), boot.database)
    service = part.service

    async def spill(alert: dict[str, Any]) -> bool | None:
        try:
            await service.spill_case(alert, Actor("operator"))
        except CaseError as exc:
            log.error("spill alert %s: no case opened: %s", alert.get("id"), exc)
            return False
        except Exception:  # the database away for a moment: the server sends it again
            log.exception("spill alert %s: no case opened yet", alert.get("id"))
            return None
        return True
    link.on_spill = spill
    await part.start()
    app = build_app([part.routes(), link.routes()], cfg.gateway.max_body_bytes,
                    unavailable=(LinkDown,))
    app.middlewares.insert(0, _trusted_only(link))
    # The server keeps its connections to us open (cases/forward.py closes them first).
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5.0,
                           keepalive_timeout=600.0)
    await runner.setup()
    sock = bind("127.0.0.1", boot.port, "the case loop's port ([cases] port)")
    await web.SockSite(runner, sock).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # The server holds our stdin: its end (the server exited or was killed) ends us too.
    threading.Thread(target=_wait_eof, args=(loop, stop), daemon=True).start()
    print(f"ready {sock.getsockname()[1]}", flush=True)
    await stop.wait()
    await runner.cleanup()
    await part.stop()


def _wait_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    while sys.stdin.buffer.read(65536):
        pass
    loop.call_soon_threadsafe(stop.set)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    line = sys.stdin.buffer.readline()
    try:
        boot = msgspec.json.decode(line, type=Boot)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        print(f"cases child: refused its boot line: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(run(boot))
    except (OSError, SQLAlchemyError, CatalogError) as exc:  # the server prints its own line
        print(f"cases child: refused to start: {type(exc).__name__}: "
              f"{str(getattr(exc, 'orig', None) or exc)[:300]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
