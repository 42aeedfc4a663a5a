"""OsmAnd / Traccar Client listener: an aiohttp site of its own on port 5055.

Any path, GET or POST; parameters in the query string, a form body, or a JSON body. Answers:
200 (empty) when the position was taken, also for a report the app marked invalid (taken and
dropped, like a JT/T 808 report without a fix); 400 with the reason for a report that cannot be
read; 404 for a device the tracker does not know (unless auto_register); 503 when the pipeline
refused it, so that the app keeps it and sends it again.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from config.protocols import OsmandConfig
from gateway.listener import Known, Sink
from gateway.osmand import parse_json, parse_params
from model.clock import Clock, WallClock
from model.position import Position

log = logging.getLogger(__name__)


class OsmandServer:
    def __init__(self, cfg: OsmandConfig, sink: Sink, known: Known,
                 clock: Clock | None = None) -> None:
        self.cfg, self.sink, self.known = cfg, sink, known
        self.clock: Clock = clock if clock is not None else WallClock()
        self.port = cfg.port
        self._runner: web.AppRunner | None = None
        # Counters, exported to Prometheus by the composition root.
        self.requests = 0
        self.positions = 0
        self.bad_requests = 0
        self.unknown_device = 0
        self.unfixed = 0
        self.sink_failures = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.cfg.max_body_bytes)
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        app.router.add_route("POST", "/{tail:.*}", self.handle)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        # Bind the socket ourselves so that the port actually bound (port 0 in tests) is known.
        family = socket.AF_INET6 if ":" in self.cfg.host else socket.AF_INET
        sock = socket.create_server((self.cfg.host, self.cfg.port), family=family)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        log.info("OsmAnd listening on %s:%s", self.cfg.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _read(self, request: web.Request) -> list[Position]:
        now = self.clock.now()
        params = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            raw = await request.read()
            text = raw.strip()
            if text.startswith((b"{", b"[")):
                try:
                    body = orjson.loads(text)
                except orjson.JSONDecodeError as exc:
                    raise ValueError(f"malformed JSON: {exc}") from None
                return parse_json(body, now)
            if text:
                try:
                    form = parse_qsl(text.decode("utf-8"), keep_blank_values=True,
                                     strict_parsing=False, max_num_fields=200)
                except (UnicodeDecodeError, ValueError) as exc:
                    raise ValueError(f"unreadable form body: {exc}") from None
                params.update(form)
        if not params:
            raise ValueError("no parameters: expected id, lat, lon, timestamp, ...")
        return [parse_params(params, now)]

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        try:
            positions = await self._read(request)
        except ValueError as exc:
            self.bad_requests += 1
            log.debug("OsmAnd report refused: %s", exc)
            return web.Response(status=400, text=f"{exc}\n")
        except web.HTTPException:
            self.bad_requests += 1
            raise
        device = positions[0].device
        if not self.cfg.auto_register and not self.known(device):
            self.unknown_device += 1
            log.info("OsmAnd report from unknown device %r refused", device[:64])
            return web.Response(status=404, text=f"unknown device {device[:64]!r}\n")
        fixed = [p for p in positions if p.attrs.get("valid", True)]
        self.unfixed += len(positions) - len(fixed)
        if fixed:
            try:
                await self.sink(fixed)
            except Exception:
                self.sink_failures += 1
                log.exception("OsmAnd: the sink refused %d positions", len(fixed))
                return web.Response(status=503, text="try again later\n")
            self.positions += len(fixed)
        return web.Response(status=200)
