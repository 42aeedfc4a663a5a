"""gridwatch server: the composition root. Read config, build the parts, start them in order,
stop them in reverse (docs/contract.md §4: `python server.py [--city DIR] [--config FILE] ...`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bus.events import EventFanout
from bus.health import Health
from bus.pipeline import Pipeline
from bus.redis_roles import ROLES, RedisParts, redact
from bus.redis_video import VideoLeader
from cases.apart import CasesApart, ChildFailed
from cases.assemble import CasesPart, build_case_part
from cases.catalog import CatalogError
from config import testfaults
from config.load import ConfigError, load_config
from config.server import Config
from gateway.base import Convert
from gateway.camera_ingest import CameraIngest
from gateway.connections import AcceptErrorLog, ConnectionGate, bind
from gateway.convert import position_converter
from gateway.httpsite import GuardedSite
from gateway.json_ingest import JsonIngest
from gateway.jt808_server import Jt808Server
from gateway.listener import Known, Sink
from gateway.osmand_server import OsmandServer
from gateway.scrub import install_scrubbing
from geofence.city import load_city
from geofence.errors import CityError
from geofence.index import CityIndex
from geofence.model import City
from metrics.registry import Metrics
from model.clock import Clock, DataClock, WallClock
from model.events import AlertEvent, CameraEvent, ClearedEvent, Event
from model.timewindow import TimeWindow
from store.deadletter import DeadLetter, DeadLetterJournal
from store.journal import PositionJournal
from tracking.devices import DeviceRegistry
from tracking.engine import Tracker
from video.service import VideoService
from video.signing import SigningKeyError, key_path, load_or_create
from web.accesslog import SafeAccessLogger
from web.api import Api
from web.app import Site, build_app
from web.auth import TokenAuth
from web.citydata import city_geojson
from web.evidence import EvidenceApi
from web.live import LiveHub
from web.redis_queries import RedisEvidence

log = logging.getLogger("gridwatch")

DEMO_CITY = Path(__file__).resolve().parent / "cities" / "demo"
_TYPE = attrgetter("TYPE")
EXIT_WORKER_DIED = 70  # EX_SOFTWARE: a worker stopped for good; start the process again


def demo_tokens() -> dict[str, str]:
    """No tokens configured: make one per role for this run and show them to the operator."""
    return {f"demo-{role}-{secrets.token_urlsafe(12)}": role
            for role in ("device", "supervisor", "admin")}


@dataclass(kw_only=True)
class Parts:
    """What every server process is made of, whatever its layout."""

    metrics: Metrics
    health: Health
    auth: TokenAuth
    hub: LiveHub
    fanout: EventFanout
    clock: Clock
    dead: DeadLetterJournal  # this process's own dead letters (README, Failure policy)
    cases: CasesPart | CasesApart | None = None  # None: [cases] enabled = false, or no HTTP
    osmand: OsmandServer | None = None  # None: disabled ([osmand] enabled = false)
    jt808: Jt808Server | None = None
    gate: ConnectionGate | None = None  # one for every listener: fds are the process's


@dataclass(kw_only=True)
class MemoryParts(Parts):
    """Everything in this process, in memory."""

    index: CityIndex
    tracker: Tracker
    pipeline: Pipeline
    video: VideoService


@dataclass(kw_only=True)
class RedisLayout(Parts):
    """The parts of this process's role over Redis."""

    redis: RedisParts


@dataclass
class Server:
    cfg: Config
    city: City
    tokens: dict[str, str]
    redis_url: str | None = None  # None: everything in this process's memory
    role: str = "all"
    database: str | None = None  # --database: the case loop's (over [cases] database)
    city_dir: Path | None = None  # the city's folder ([cases] process = child loads it)
    runner: web.AppRunner | None = None
    app: web.Application | None = None
    port: int = 0
    exit_code: int = 0  # non-zero: a worker stopped for good (README, Failure policy)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _parts: MemoryParts | RedisLayout | None = field(default=None, init=False, repr=False)

    @property
    def parts(self) -> MemoryParts | RedisLayout:
        if self._parts is None:
            raise RuntimeError("Server.build() has not run")
        return self._parts

    def _common(self, metrics: Metrics) -> tuple[Health, DeadLetterJournal, LiveHub,
                                                 EventFanout]:
        cfg = self.cfg
        health = Health(metrics, hold_s=cfg.server.health_hold_s)
        dead = DeadLetterJournal(Path(cfg.server.data_dir) / "deadletter", cfg.server.keep_days)

        def live_dead(letters: list[DeadLetter]) -> None:
            health.dead_letters(_kept(dead, letters, health))

        hub = LiveHub(cfg.live.client_queue, on_drop=metrics.live_dropped.inc, health=health,
                      on_dead=live_dead, byte_limit=cfg.live.client_queue_bytes)

        def listener_failed(listener: object, exc: Exception) -> None:
            health.failed("fanout", "listener", type(exc).__name__,
                          f"a live event listener failed: {type(exc).__name__}: {exc}")

        return health, dead, hub, EventFanout(on_error=listener_failed)

    def _fatal(self, reason: str) -> None:
        log.critical("stopping: %s", reason)
        self.exit_code = EXIT_WORKER_DIED
        self.stopping.set()

    def build(self) -> None:
        if self.redis_url is not None:
            self.build_redis(self.redis_url)
            return
        cfg, city = self.cfg, self.city
        clock: Clock = DataClock() if cfg.server.clock == "data" else WallClock()
        index = CityIndex(city, cfg.patrol.match_tolerance)
        devices = DeviceRegistry.from_config(index, cfg.devices, cfg.jt808.terminals.values())
        tracker = Tracker(index, cfg.patrol, cfg.alerts, devices, clock,
                          keep_days=cfg.server.keep_days)
        metrics = Metrics()
        health, dead, hub, fanout = self._common(metrics)
        fanout.subscribe(hub.publish)
        fanout.subscribe(lambda events: _count_alerts(metrics, events))
        journal = PositionJournal(Path(cfg.server.data_dir) / "journal", cfg.server.keep_days) \
            if cfg.server.journal else None
        window = TimeWindow(clock, cfg.patrol.max_future_s, cfg.server.keep_days)
        pipeline = Pipeline(tracker, fanout, metrics, clock, cfg.gateway.queue_max_positions,
                            cfg.live.tick_s, journal, dead, health, on_fatal=self._fatal,
                            window=window)
        auth = TokenAuth(self.tokens)
        convert = position_converter(city.settings.input_crs)

        def frame_dead(letter: DeadLetter, jpeg: bytes | None) -> None:
            if jpeg is not None:
                with contextlib.suppress(OSError):
                    letter.input["file"] = dead.keep_frame(jpeg)
            health.dead_letters(_kept(dead, [letter], health))

        video = VideoService(city.cameras, cfg.video, Path(cfg.server.data_dir) / "evidence",
                             camera_events_to(fanout, city), clock, health, frame_dead)
        parts = self._parts = MemoryParts(
            metrics=metrics, health=health, auth=auth, hub=hub, fanout=fanout, clock=clock,
            dead=dead, index=index, tracker=tracker, pipeline=pipeline, video=video)
        self._protocols(parts, pipeline.submit, pipeline.known, convert, window)
        ingest = JsonIngest(cfg.gateway, auth, pipeline, metrics, convert, window)
        api = Api(auth, tracker, city.settings.timezone, clock.now)
        site = Site(auth, hub, metrics, city_geojson(city), lambda: self._health(parts),
                    cfg.gateway.max_body_bytes, {"tile_url": cfg.web.tile_url}, tracker.stats,
                    now=clock.now)
        cameras = CameraIngest(auth, video, frozenset(c.id for c in city.cameras),
                               cfg.video.max_frame_bytes, metrics=metrics)
        evidence = EvidenceApi(auth, video, camera_list(city))
        routes = [ingest.routes(), api.routes(), site.routes(), cameras.routes(),
                  evidence.routes()]
        if cfg.cases.enabled:
            parts.cases = build_case_part(cfg, index, auth, tracker, fanout,
                                          hub.publish_encoded, clock, health, self.tokens,
                                          self.city_dir, self.database)
            routes.append(parts.cases.routes())
        self.app = build_app(routes, cfg.gateway.max_body_bytes)

    def build_redis(self, url: str) -> None:
        """The parts of this process's role over Redis (bus/redis_roles.py)."""
        cfg, city = self.cfg, self.city
        index = CityIndex(city, cfg.patrol.match_tolerance)
        metrics, auth = Metrics(), TokenAuth(self.tokens)
        rp = RedisParts.build(url, self.role, cfg, index, metrics)
        rp.on_fatal = self._fatal
        _health, dead, hub, fanout = self._common(metrics)
        parts = self._parts = RedisLayout(
            metrics=metrics, health=rp.health, auth=auth, hub=hub, fanout=fanout,
            clock=rp.clock, dead=dead, redis=rp)
        hub.health = rp.health
        evidence_dir = Path(cfg.server.data_dir) / "evidence"
        routes: list[list[web.AbstractRouteDef]] = []
        if rp.sink is not None:
            convert = position_converter(city.settings.input_crs)
            window = TimeWindow(rp.clock, cfg.patrol.max_future_s, cfg.server.keep_days)
            routes.append(JsonIngest(cfg.gateway, auth, rp.sink, metrics, convert,
                                     window).routes())
            self._protocols(parts, rp.sink.submit, rp.sink.known, convert, window)
            if city.cameras:
                rp.video = self._video_leader(rp, evidence_dir)
                routes.append(CameraIngest(auth, rp.video, frozenset(c.id for c in city.cameras),
                                           cfg.video.max_frame_bytes, metrics=metrics).routes())
        site = Site(auth, hub, metrics, city_geojson(city), rp.status,
                    cfg.gateway.max_body_bytes, {"tile_url": cfg.web.tile_url},
                    scrape=rp.scrape, now=rp.clock.now)
        if rp.queries is not None:
            fanout.subscribe(hub.publish)
            fanout.subscribe(lambda events: _count_alerts(metrics, events))
            routes += [Api(auth, rp.queries, city.settings.timezone, rp.clock.now).routes(),
                       site.routes(),
                       EvidenceApi(auth, RedisEvidence(rp.redis, rp.keys, evidence_dir),
                                   camera_list(city)).routes()]
            if cfg.cases.enabled:  # every web process on the one shared database
                parts.cases = build_case_part(cfg, index, auth, rp.queries, fanout,
                                              hub.publish_encoded, rp.clock, rp.health,
                                              self.tokens, None, self.database)
                routes.append(parts.cases.routes())
        elif rp.sink is not None:  # a gateway alone: health and metrics for its probes
            routes.append([r for r in site.routes() if isinstance(r, web.RouteDef)
                           and r.path in ("/healthz", "/metrics")])
        if routes:
            self.app = build_app(routes, cfg.gateway.max_body_bytes,
                                 unavailable=(RedisError, ConnectionError, TimeoutError))

    def _gate(self, parts: Parts) -> ConnectionGate:
        """One connection gate for every listener of the process (file descriptors are the
        process's), counting into /metrics under transport "listener"."""
        if parts.gate is None:
            limits = self.cfg.limits
            events = parts.metrics.gateway_events
            parts.gate = ConnectionGate(limits.max_connections_per_address,
                                        limits.max_connections, limits.header_timeout_s,
                                        lambda what: events.labels("listener", what).inc())
        return parts.gate

    def _protocols(self, parts: Parts, submit: Sink, known: Known, convert: Convert,
                   window: TimeWindow) -> None:
        """The OsmAnd and JT/T 808 listeners that are enabled, on the shared gateway base."""
        cfg, gate, metrics = self.cfg, self._gate(parts), parts.metrics
        if cfg.osmand.enabled:
            parts.osmand = OsmandServer(
                cfg.osmand, submit, known, metrics=metrics, convert=convert, window=window,
                gate=gate, idle_timeout_s=cfg.limits.idle_timeout_s)
        if cfg.jt808.enabled:
            parts.jt808 = Jt808Server(cfg.jt808, submit, known, metrics=metrics,
                                      convert=convert, window=window, gate=gate)

    def _video_leader(self, rp: RedisParts, evidence_dir: Path) -> VideoLeader:
        """Video analysis for a gateway: runs while this gateway holds the video lease."""
        cfg, city = self.cfg, self.city
        load_or_create(key_path(evidence_dir))  # refuse to start now, not at the lease
        events = EventFanout()
        leader = VideoLeader(rp.redis, rp.keys, lambda: VideoService(
            city.cameras, cfg.video, evidence_dir, camera_events_to(events, city), rp.clock,
            rp.health, leader.dead_letter),
            evidence_dir, cfg.redis.lease_s, cfg.server.keep_days, rp.name, rp.health)
        events.subscribe(leader.publish)
        return leader

    def _health(self, parts: MemoryParts) -> dict[str, Any]:
        return {**parts.health.status(), "queued_positions": parts.pipeline.queued,
                "live_clients": len(parts.hub.clients), "clock": parts.clock.now(),
                "dead_letters": parts.dead.written,
                "tracking_recoveries": parts.pipeline.guard.recoveries,
                "cases": parts.cases.status() if parts.cases is not None else None}

    async def start(self) -> None:
        self.build()
        parts = self.parts
        install_scrubbing()
        events = parts.metrics.gateway_events
        asyncio.get_running_loop().set_exception_handler(
            AcceptErrorLog(lambda what: events.labels("listener", what).inc()))
        if isinstance(parts, RedisLayout):
            await self._start_redis(parts)
            return
        replayed = parts.pipeline.restore()
        if replayed:
            log.info("resumed from the journal: %d positions replayed", replayed)
        # The city, index and replayed state live for the whole run: keep them out of the
        # collector's scans, and collect young objects less often (fewer pauses under load).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        await parts.pipeline.start()
        await parts.video.start()
        if parts.cases is not None:
            await parts.cases.start()
        await self._serve_http()
        for listener in (parts.osmand, parts.jt808):
            if listener is not None:
                await listener.start()

    async def _serve_http(self) -> None:
        assert self.app is not None
        # lingering_time: how long a refused request's unread body is drained before the
        # connection closes (aiohttp's 10 s default would hold shutdowns up that long).
        sock = bind(self.cfg.server.host, self.cfg.server.port,
                    "the HTTP port ([server] port or --port)")
        self.runner = web.AppRunner(self.app, access_log_class=SafeAccessLogger,
                                    handle_signals=False, lingering_time=2.0,
                                    shutdown_timeout=5.0)
        await self.runner.setup()
        site = GuardedSite(self.runner, sock, self._gate(self.parts),
                           access_log_class=SafeAccessLogger, lingering_time=2.0,
                           keepalive_timeout=self.cfg.limits.idle_timeout_s)
        await site.start()
        self.port = sock.getsockname()[1]

    async def _start_redis(self, parts: RedisLayout) -> None:
        rp = parts.redis
        await rp.check()
        gc.freeze()
        if parts.cases is not None:
            await parts.cases.start()
        rp.start(parts.fanout.publish, self.cfg.live.tick_s)
        if self.app is not None:
            await self._serve_http()
        for listener in (parts.osmand, parts.jt808):
            if listener is not None:
                await listener.start()

    async def stop(self) -> None:
        """Reverse order: stop taking input first, then let the pipeline finish what it took."""
        parts = self.parts
        for listener in (parts.jt808, parts.osmand):
            if listener is not None:
                await listener.stop()
        await parts.hub.close_all()
        if self.runner is not None:
            await self.runner.cleanup()
        if isinstance(parts, RedisLayout):
            await parts.redis.stop_all()
        else:
            await parts.pipeline.stop()
            await parts.video.stop()
        if parts.cases is not None:
            await parts.cases.stop()
        parts.dead.close()


def _kept(dead: DeadLetterJournal, letters: list[DeadLetter], health: Health
          ) -> list[DeadLetter]:
    """Write letters to the journal; those to count (a journal that cannot be written is
    said loudly, and the letters still count)."""
    try:
        return dead.write(letters)
    except OSError as exc:
        log.critical("dead letters not written (%s): %s", exc, [x.to_json() for x in letters])
        health.down("deadletter", f"cannot write the dead-letter journal: {exc}")
        return letters


def camera_list(city: City) -> list[dict[str, Any]]:
    grids = {r.id: r.grid for r in city.roads}
    return [{"id": c.id, "name": c.name, "road": c.road, "grid": grids.get(c.road or ""),
             "mode": "push" if c.source in ("", "push") else "pull",
             "location": list(c.location) if c.location else None} for c in city.cameras]


def camera_events_to(fanout: EventFanout, city: City) -> Callable[[Event], None]:
    """Camera events carry the grid of the camera's road, so grid subscriptions see them."""
    road_grid = {r.id: r.grid for r in city.roads}
    grid_of = {c.id: road_grid.get(c.road or "") for c in city.cameras}

    def emit(event: Event) -> None:
        if isinstance(event, CameraEvent):
            event = replace(event, grid=grid_of.get(event.camera))
        elif isinstance(event, AlertEvent | ClearedEvent) and event.grid is None:
            camera = event.alert.subject.get("camera")
            if camera is not None:
                event = replace(event, grid=grid_of.get(camera))
        fanout.publish_one(event)

    return emit


def _count_alerts(metrics: Metrics, events: Any) -> None:
    if "alert" not in set(map(_TYPE, events)):  # in C: a batch is mostly positions
        return
    for event in events:
        if event.TYPE == "alert":
            metrics.alerts_raised.labels(event.alert.type).inc()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="server.py", description=__doc__)
    p.add_argument("--city", type=Path, default=DEMO_CITY, help="city folder (default: demo)")
    p.add_argument("--config", type=Path, help="TOML config file")
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="HTTP + WebSocket port (default 8080)")
    p.add_argument("--redis", help="Redis URL: scale out over Redis instead of memory")
    p.add_argument("--role", choices=ROLES, default="all",
                   help="with --redis: what this process runs (default all)")
    p.add_argument("--clock", choices=("wall", "data"), help="wall (default) or data time")
    p.add_argument("--database", help="the case loop's database: postgresql://user:pass@host/db "
                   "(default: SQLite in the data folder; [cases] database)")
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--access-log", action="store_true",
                   help="log every HTTP request (paths only, never query strings)")
    return p.parse_args(argv)


def configure(args: argparse.Namespace) -> Config:
    cfg = load_config(args.config)
    server = cfg.server.model_copy(update={k: v for k, v in (
        ("host", args.host), ("port", args.port), ("clock", args.clock)) if v is not None})
    return cfg.model_copy(update={"server": server})


async def serve(server: Server, printed_tokens: bool) -> int:
    """Run until SIGINT/SIGTERM (exit code 0) or a worker stops for good (EXIT_WORKER_DIED)."""
    loop = asyncio.get_running_loop()
    stop = server.stopping
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    host = server.cfg.server.host
    where = f"http://{host}:{server.port}/" if server.runner is not None else "no HTTP port"
    backend = f"Redis, role {server.role}" if server.redis_url else "memory"
    print(f"gridwatch: city {server.city.name!r} with {len(server.city.roads)} roads, "
          f"{len(server.city.grids)} grids; {where} ({backend})", flush=True)
    parts = server.parts
    listeners = [f"{label} on port {listener.port}" for label, listener in
                 (("OsmAnd", parts.osmand), ("JT/T 808", parts.jt808)) if listener is not None]
    if listeners:
        print("  " + ", ".join(listeners), flush=True)
    if printed_tokens and server.runner is not None:
        print("  demo tokens (this run only):", flush=True)
        for token, role in server.tokens.items():
            print(f"    {role:<10} {token}", flush=True)
        sup = next(t for t, r in server.tokens.items() if r == "supervisor")
        print(f"  open http://{host}:{server.port}/?token={sup}", flush=True)
    await stop.wait()
    print("gridwatch: stopping (finishing accepted positions)", flush=True)
    await server.stop()
    return server.exit_code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.access_log:
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        cfg = configure(args)
        city = load_city(args.city)
    except (ConfigError, CityError) as exc:
        print(f"gridwatch: refused to start: {exc}", file=sys.stderr)
        return 2
    if args.role != "all" and not args.redis:
        print(f"gridwatch: refused to start: --role {args.role} needs --redis URL",
              file=sys.stderr)
        return 2
    try:
        faults = testfaults.active()
    except ValueError as exc:
        print(f"gridwatch: refused to start: {exc}", file=sys.stderr)
        return 2
    if faults:
        log.warning("TEST FAULTS ENABLED (%s=%s): this server fails on purpose",
                    testfaults.ENV, ",".join(sorted(faults)))
    tokens: dict[str, str] = dict(cfg.auth.tokens)
    printed = not tokens
    if printed:
        tokens = demo_tokens()
    try:
        code = asyncio.run(serve(Server(cfg, city, tokens, args.redis, args.role,
                                        database=args.database, city_dir=args.city), printed))
    except (SigningKeyError, CatalogError, ChildFailed) as exc:
        print(f"gridwatch: refused to start: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:  # the message carries no password (URLs are redacted)
        print(f"gridwatch: refused to start: the case database: {type(exc).__name__}: "
              f"{str(getattr(exc, 'orig', None) or exc)[:300]}", file=sys.stderr)
        return 2
    except (RedisError, OSError) as exc:
        print(f"gridwatch: refused to start: Redis at {redact(args.redis)}: {exc}"
              if args.redis else f"gridwatch: refused to start: {exc}", file=sys.stderr)
        return 2
    if code:
        print(f"gridwatch: exiting with {code}: a worker stopped for good (see the log)",
              file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
