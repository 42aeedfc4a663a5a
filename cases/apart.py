"""The case loop in a child process ([cases] process = "child"), seen from the server.

The patrol path (positions in, tracker, live page) and the case loop (HTTP actions, SQL, the
working calendar) then share neither an event loop nor a GIL: a burst of case actions cannot
stall ingest, and each has a core of its own where there are two.

The server starts `python -m cases.child`, forwards `/api/v1/cases*` and `/open311/*` to it
over HTTP (the caller's Authorization header with them: the child checks token and role
itself), and restarts it when it dies; meanwhile those routes answer 503 with Retry-After and
/healthz says so. Over the link WebSocket (cases/linkmsg.py) the server sends its clock and
every spill alert, and answers the child's queries of the tracker; the child sends its live
case events for /ws/live. A spill alert is kept until the child says its case exists: alerts
that come while the child is down are sent when it is back, never lost (a case per alert:
the child's store opens one case per alert id however often it hears it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from bus.events import EventFanout
from bus.health import Health
from cases import linkmsg
from cases.forward import ChildGone, Forwarder
from cases.service import Publish
from config.server import Config
from model.clock import Clock
from model.events import AlertEvent, Event
from web.api import Queries, answer, json_response

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0  # the child loads the city and migrates the database first
FORWARD_TIMEOUT_S = 120.0  # the slowest answer: a year's evaluation tables
RESEND_S = 5.0  # spill alerts not yet confirmed are sent again this often
MAX_PENDING_SPILLS = 100_000
# The child's answer headers the caller sees (the server adds its own security headers).
PASSED_BACK = ("Content-Type", "Content-Disposition", "Cache-Control", "Retry-After")


class ChildFailed(RuntimeError):
    """The case loop's process did not come up."""


class CasesApart:
    def __init__(self, cfg: Config, city_dir: Path, tokens: dict[str, str],
                 database: str | None, queries: Queries | None, fanout: EventFanout | None,
                 publish: Publish | None, clock: Clock, health: Health) -> None:
        self.cfg, self.city_dir, self.tokens, self.database = cfg, city_dir, tokens, database
        self.queries, self.publish, self.clock, self.health = queries, publish, clock, health
        self.secret = secrets.token_urlsafe(32)
        self.state = "starting"  # starting | up | down | stopped
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0
        self.restarts = 0
        self.last_exit: int | None = None
        self.pending: dict[str, dict[str, Any]] = {}  # spill alerts the child has not confirmed
        self.spills_dropped = 0
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._forwarder: Forwarder | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._max_body = max(cfg.cases.photo_max_bytes, cfg.gateway.max_body_bytes)
        if fanout is not None and cfg.cases.spill_cases:
            fanout.subscribe(self.on_events)

    # -- the server's side of the part (as cases/assemble.py CasesPart) ----------------------

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.route("*", "/api/v1/cases", self.forward),
                web.route("*", "/api/v1/cases/{tail:.*}", self.forward),
                web.route("*", "/open311/{tail:.*}", self.forward)]

    async def start(self) -> None:
        """The child up and linked, or an error (the server refuses to start, as it would
        on a case database it cannot open)."""
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200),
                                           auto_decompress=False)
        await self._spawn()
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())

    async def stop(self) -> None:
        self.state = "stopped"
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()
        await self._end_child()
        if self._forwarder is not None:
            self._forwarder.close()
        if self._http is not None:
            await self._http.close()
        if self.pending:
            log.warning("stopping with %d spill alert(s) not yet opened as cases",
                        len(self.pending))

    def status(self) -> dict[str, Any]:
        """For /healthz."""
        return {"process": "child", "state": self.state,
                "pid": self.proc.pid if self.proc is not None else None, "port": self.port,
                "restarts": self.restarts, "last_exit": self.last_exit,
                "spills_queued": len(self.pending), "spills_dropped": self.spills_dropped}

    # -- forwarding --------------------------------------------------------------------------

    async def forward(self, request: web.Request) -> web.StreamResponse:
        if self.state != "up":
            return _unavailable("the case loop is restarting; retry")
        if request.content_length is not None and request.content_length > self._max_body:
            return json_response({"error": f"body larger than {self._max_body} bytes"},
                                 status=413)
        body = bytearray()
        async for chunk in request.content.iter_chunked(65536):
            body += chunk
            if len(body) > self._max_body:
                return json_response({"error": f"body larger than {self._max_body} bytes"},
                                     status=413)
        headers = {linkmsg.LINK_HEADER: self.secret,
                   linkmsg.CLOCK_HEADER: repr(self.clock.now())}
        for name in ("Authorization", "Content-Type"):
            value = request.headers.get(name)
            if value is not None:
                if "\r" in value or "\n" in value:
                    return json_response({"error": f"bad {name} header"}, status=400)
                headers[name] = value
        forwarder = self._forwarder
        if forwarder is None:
            return _unavailable("the case loop is restarting; retry")
        try:
            async with asyncio.timeout(FORWARD_TIMEOUT_S):  # no task of its own (wait_for's)
                answer = await forwarder.request(request.method, request.raw_path, headers,
                                                 bytes(body))
        except TimeoutError:
            return json_response({"error": "the case loop did not answer in time"},
                                 status=504)
        except ChildGone:
            # The child died under this request: whether its action landed is in the case's
            # version and log (each action is one transaction); the caller reads and retries.
            return _unavailable("the case loop went away; retry")
        passed = {k: answer.headers[k] for k in PASSED_BACK if k in answer.headers}
        return web.Response(body=answer.body, status=answer.status, headers=passed)

    # -- the child ---------------------------------------------------------------------------

    def _boot(self) -> bytes:
        cfg = self.cfg
        data_dir = str(Path(cfg.server.data_dir).resolve())
        config = cfg.model_copy(update={"server": cfg.server.model_copy(
            update={"data_dir": data_dir})}).model_dump(mode="json")
        return msgspec.json.encode({
            "config": config, "city": str(self.city_dir.resolve()), "tokens": self.tokens,
            "database": self.database, "secret": self.secret, "port": self.cfg.cases.port,
            "clock": self.clock.now()}) + b"\n"

    async def _spawn(self) -> None:
        self.state = "starting"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH"))
                                            if p)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cases.child", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=env)
        self.proc = proc
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(self._boot())  # stdin stays open: its end tells the child we left
        await proc.stdin.drain()
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT_S)
        except TimeoutError:
            line = b""
        word, _, port = line.decode(errors="replace").strip().partition(" ")
        if word != "ready" or not port.isdigit():
            await self._end_child()
            raise ChildFailed(f"the case loop's process did not start (exit {proc.returncode}; "
                               "see its errors above)")
        self.port = int(port)
        self._forwarder = Forwarder(self.port)
        assert self._http is not None
        self._ws = await self._http.ws_connect(
            f"http://127.0.0.1:{self.port}/link", headers={linkmsg.LINK_HEADER: self.secret},
            heartbeat=10.0, max_msg_size=64 * 1024 * 1024)
        self._spawned(self._read_link(self._ws))
        self._spawned(self._tick(self._ws))
        self.state = "up"
        self.health.up("cases")
        log.info("case loop child %d up on port %d", proc.pid, self.port)

    def _spawned(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _end_child(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the child stops on its own
        try:
            await asyncio.wait_for(proc.wait(), 10.0)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    async def _supervise(self) -> None:
        """Restart the child whenever it exits, sooner after a good run."""
        backoff = 0.2
        while True:
            proc = self.proc
            assert proc is not None
            started = time.monotonic()
            code = await proc.wait()
            self.last_exit = code
            self.state = "down"
            if self._forwarder is not None:
                self._forwarder.close()
                self._forwarder = None
            self.health.down("cases", f"case loop process exited ({code}); restarting")
            if self._ws is not None:
                await self._ws.close()
                self._ws = None
            if time.monotonic() - started > 30.0:
                backoff = 0.2
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
            self.restarts += 1
            try:
                await self._spawn()
            except Exception as exc:  # tried again after the backoff
                log.error("case loop restart failed: %s", exc)

    # -- the link ----------------------------------------------------------------------------

    async def _read_link(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                break
            try:
                message = linkmsg.decode(msg.data)
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                log.error("case link: refused a message: %s", exc)
                continue
            if isinstance(message, linkmsg.Live):
                if self.publish is not None:
                    self.publish(message.events)
            elif isinstance(message, linkmsg.SpillDone):
                self.pending.pop(message.alert_id, None)
            elif isinstance(message, linkmsg.Query):
                self._spawned(self._answer(ws, message))
        # The link is the child's lifeline: a child that dropped it is restarted.
        if self.state == "up" and self.proc is not None and self.proc.returncode is None:
            log.error("case link closed; restarting the case loop's process")
            self.proc.kill()

    async def _answer(self, ws: aiohttp.ClientWebSocketResponse, query: linkmsg.Query) -> None:
        out: linkmsg.Answer
        try:
            if query.name not in linkmsg.QUERIES or self.queries is None:
                raise KeyError(f"no query {query.name!r} here")
            value = await answer(getattr(self.queries, query.name)(*query.args))
            if query.name == "alerts":
                value = [a.to_json() for a in value]
            out = linkmsg.Answer(query.id, value)
        except (KeyError, ValueError) as exc:
            out = linkmsg.Answer(query.id, error=type(exc).__name__, message=str(exc))
        except Exception as exc:
            log.exception("case link: query %s failed", query.name)
            out = linkmsg.Answer(query.id, error="other", message=type(exc).__name__)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_bytes(linkmsg.encode(out))

    async def _tick(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """The clock when it moved (sweeps of overdue cases run on it), and the spill alerts
        not yet confirmed, now and again every RESEND_S."""
        last = -1.0
        resent = 0.0
        while not ws.closed:
            now = self.clock.now()
            if now != last:
                last = now
                await self._send(ws, linkmsg.Clock(now))
            if time.monotonic() - resent >= RESEND_S:
                resent = time.monotonic()
                for alert in list(self.pending.values()):
                    await self._send(ws, linkmsg.Spill(alert))
            await asyncio.sleep(0.5)

    @staticmethod
    async def _send(ws: aiohttp.ClientWebSocketResponse, message: linkmsg.Message) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_bytes(linkmsg.encode(message))

    def on_events(self, events: Sequence[Event]) -> None:
        """Bus listener: every spill alert is kept until the child has its case."""
        for event in events:
            if isinstance(event, AlertEvent) and event.alert.type == "spill":
                if len(self.pending) >= MAX_PENDING_SPILLS:
                    self.spills_dropped += 1
                    log.error("spill alert %s dropped: %d already wait for the case loop",
                              event.alert.id, len(self.pending))
                    continue
                alert = event.alert.to_json()
                self.pending[event.alert.id] = alert
                ws = self._ws
                if self.state == "up" and ws is not None and not ws.closed:
                    self._spawned(self._send(ws, linkmsg.Spill(alert)))


def _unavailable(message: str) -> web.Response:
    response = json_response({"error": message}, status=503)
    response.headers["Retry-After"] = "1"
    return response
