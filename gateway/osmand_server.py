"""OsmAnd / Traccar Client listener: an aiohttp site of its own on port 5055.

Any path, GET or POST; parameters in the query string, a form body, or a JSON body. Answers:
200 (empty) when the position was taken, also for a report the app marked invalid (taken and
dropped, like a JT/T 808 report without a fix); 400 with the reason for a report that cannot be
read, a bad device id or a time outside the time-sanity rule (model/timewindow.py; the other
positions of a JSON batch are taken); 404 for a device the tracker does not know; 503 when the
pipeline refused it, so that the app keeps it and sends it again.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from config.protocols import OsmandConfig
from gateway.base import Convert, PositionGateway
from gateway.connections import ConnectionGate, bind
from gateway.httpsite import GuardedSite
from gateway.listener import Known, Sink
from gateway.osmand import parse_json, parse_params
from metrics.registry import Metrics
from model.clock import Clock, WallClock
from model.position import Position
from model.timewindow import TimeWindow

log = logging.getLogger(__name__)


class OsmandServer(PositionGateway):
    def __init__(self, cfg: OsmandConfig, sink: Sink, known: Known,
                 clock: Clock | None = None, *, metrics: Metrics | None = None,
                 convert: Convert | None = None, window: TimeWindow | None = None,
                 gate: ConnectionGate | None = None, idle_timeout_s: float = 75.0) -> None:
        """clock: stands in for a report's missing time."""
        super().__init__("osmand", sink, known, metrics, convert, window)
        self.cfg = cfg
        self.clock: Clock = clock if clock is not None else WallClock()
        self.gate = gate if gate is not None else ConnectionGate(0, 0, 60.0)
        self.idle_timeout_s = idle_timeout_s
        self.port = cfg.port
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.cfg.max_body_bytes)
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        app.router.add_route("POST", "/{tail:.*}", self.handle)
        return app

    async def start(self) -> None:
        # Bind the socket ourselves so that the port actually bound (port 0 in tests) is known.
        sock = bind(self.cfg.host, self.cfg.port, "the OsmAnd listener ([osmand] port, or "
                    "enabled = false)")
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        self.port = sock.getsockname()[1]
        await GuardedSite(self._runner, sock, self.gate, access_log=None,
                          keepalive_timeout=self.idle_timeout_s).start()
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
        self.count("requests")
        try:
            positions = await self._read(request)
        except ValueError as exc:
            self.count("bad_requests")
            log.debug("OsmAnd report refused: %s", exc)
            return web.Response(status=400, text=f"{exc}\n")
        except web.HTTPException:
            self.count("bad_requests")
            raise
        good, refused = self.screen(positions)
        if good and not self.known(good[0].device):
            self.count("unknown_device")
            log.info("OsmAnd report from unknown device %r refused", good[0].device)
            return web.Response(status=404, text=f"unknown device {good[0].device!r}\n")
        fixed = [p for p in good if p.attrs.get("valid", True)]
        self.count("unfixed", len(good) - len(fixed))
        if fixed:
            try:
                await self.take(fixed)
            except Exception:
                self.count("sink_failures")
                log.exception("OsmAnd: the sink refused %d positions", len(fixed))
                return web.Response(status=503, text="try again later\n")
        if refused:
            self.count("bad_requests")
            index, reason = refused[0]
            where = f"location {index}: " if len(positions) > 1 else ""
            return web.Response(status=400, text=f"{where}{reason}\n")
        return web.Response(status=200)
