"""gridwatch server: the composition root. Read config, build the parts, start them in order,
stop them in reverse (docs/contract.md §4: `python server.py [--city DIR] [--config FILE] ...`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from bus.events import EventFanout
from bus.pipeline import Pipeline
from bus.redis_roles import ROLES, RedisParts, redact
from bus.redis_video import VideoLeader
from config.load import ConfigError, load_config
from config.server import Config
from gateway.camera_ingest import CameraIngest
from gateway.convert import position_converter
from gateway.json_ingest import JsonIngest
from gateway.jt808_server import Jt808Server
from gateway.osmand_server import OsmandServer
from geofence.city import load_city
from geofence.errors import CityError
from geofence.index import CityIndex
from geofence.model import City
from metrics.registry import Metrics
from model.clock import Clock, DataClock, WallClock
from model.events import AlertEvent, CameraEvent, ClearedEvent, Event
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


def demo_tokens() -> dict[str, str]:
    """No tokens configured: make one per role for this run and show them to the operator."""
    return {f"demo-{role}-{secrets.token_urlsafe(12)}": role
            for role in ("device", "supervisor", "admin")}


@dataclass
class Server:
    cfg: Config
    city: City
    tokens: dict[str, str]
    redis_url: str | None = None  # None: everything in this process's memory
    role: str = "all"
    parts: dict[str, Any] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    app: web.Application | None = None
    port: int = 0

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
        fanout = EventFanout()
        hub = LiveHub(cfg.live.client_queue, on_drop=metrics.live_dropped.inc)
        fanout.subscribe(hub.publish)
        fanout.subscribe(lambda events: _count_alerts(metrics, events))
        journal = PositionJournal(Path(cfg.server.data_dir) / "journal", cfg.server.keep_days) \
            if cfg.server.journal else None
        pipeline = Pipeline(tracker, fanout, metrics, clock, cfg.gateway.queue_max_positions,
                            cfg.live.tick_s, journal)
        auth = TokenAuth(self.tokens)
        convert = position_converter(city.settings.input_crs)
        video = VideoService(city.cameras, cfg.video, Path(cfg.server.data_dir) / "evidence",
                             camera_events_to(fanout, city), clock)
        self.parts = {
            "clock": clock, "index": index, "tracker": tracker, "metrics": metrics,
            "fanout": fanout, "hub": hub, "pipeline": pipeline, "auth": auth, "video": video,
            "osmand": OsmandServer(cfg.osmand, pipeline.submit, pipeline.known),
            "jt808": Jt808Server(cfg.jt808, pipeline.submit, pipeline.known),
        }
        ingest = JsonIngest(cfg.gateway, auth, pipeline, metrics, convert,
                            cfg.patrol.max_future_s)
        api = Api(auth, tracker, city.settings.timezone, clock.now, [r.id for r in city.roads])
        site = Site(auth, hub, metrics, city_geojson(city), self.health, cfg.gateway.max_body_bytes,
                    {"tile_url": cfg.web.tile_url}, tracker.stats)
        cameras = CameraIngest(auth, video, frozenset(c.id for c in city.cameras),
                               cfg.video.max_frame_bytes)
        evidence = EvidenceApi(auth, video, camera_list(city))
        self.app = build_app([ingest.routes(), api.routes(), site.routes(), cameras.routes(),
                              evidence.routes()], cfg.gateway.max_body_bytes)

    def build_redis(self, url: str) -> None:
        """The parts of this process's role over Redis (bus/redis_roles.py)."""
        cfg, city = self.cfg, self.city
        index = CityIndex(city, cfg.patrol.match_tolerance)
        rp = RedisParts.build(url, self.role, cfg, index)
        metrics, auth = Metrics(), TokenAuth(self.tokens)
        hub = LiveHub(cfg.live.client_queue, on_drop=metrics.live_dropped.inc)
        fanout = EventFanout()
        evidence_dir = Path(cfg.server.data_dir) / "evidence"
        self.parts = {"redis": rp, "metrics": metrics, "auth": auth, "clock": rp.clock,
                      "hub": hub, "fanout": fanout}
        routes: list[list[web.AbstractRouteDef]] = []
        if rp.sink is not None:
            convert = position_converter(city.settings.input_crs)
            routes.append(JsonIngest(cfg.gateway, auth, rp.sink, metrics, convert,
                                     cfg.patrol.max_future_s).routes())
            self.parts["osmand"] = OsmandServer(cfg.osmand, rp.sink.submit, rp.sink.known)
            self.parts["jt808"] = Jt808Server(cfg.jt808, rp.sink.submit, rp.sink.known)
            if city.cameras:
                rp.video = self._video_leader(rp, evidence_dir)
                routes.append(CameraIngest(auth, rp.video, frozenset(c.id for c in city.cameras),
                                           cfg.video.max_frame_bytes).routes())
        site = Site(auth, hub, metrics, city_geojson(city), rp.health,
                    cfg.gateway.max_body_bytes, {"tile_url": cfg.web.tile_url})
        if rp.queries is not None:
            fanout.subscribe(hub.publish)
            fanout.subscribe(lambda events: _count_alerts(metrics, events))
            routes += [Api(auth, rp.queries, city.settings.timezone, rp.clock.now,
                           [r.id for r in city.roads]).routes(), site.routes(),
                       EvidenceApi(auth, RedisEvidence(rp.redis, rp.keys, evidence_dir),
                                   camera_list(city)).routes()]
        elif rp.sink is not None:  # a gateway alone: health and metrics for its probes
            routes.append([r for r in site.routes() if isinstance(r, web.RouteDef)
                           and r.path in ("/healthz", "/metrics")])
        if routes:
            self.app = build_app(routes, cfg.gateway.max_body_bytes,
                                 unavailable=(RedisError, ConnectionError, TimeoutError))

    def _video_leader(self, rp: RedisParts, evidence_dir: Path) -> VideoLeader:
        """Video analysis for a gateway: runs while this gateway holds the video lease."""
        cfg, city = self.cfg, self.city
        load_or_create(key_path(evidence_dir))  # refuse to start now, not at the lease
        events = EventFanout()
        leader = VideoLeader(rp.redis, rp.keys, lambda: VideoService(
            city.cameras, cfg.video, evidence_dir, camera_events_to(events, city), rp.clock),
            evidence_dir, cfg.redis.lease_s, cfg.server.keep_days, rp.name)
        events.subscribe(leader.publish)
        return leader

    def health(self) -> dict[str, Any]:
        pipeline: Pipeline = self.parts["pipeline"]
        return {"queued_positions": pipeline.queued, "live_clients": len(self.parts["hub"].clients),
                "clock": self.parts["clock"].now()}

    async def start(self) -> None:
        self.build()
        if self.redis_url is not None:
            await self._start_redis()
            return
        replayed = self.parts["pipeline"].restore()
        if replayed:
            log.info("resumed from the journal: %d positions replayed", replayed)
        # The city, index and replayed state live for the whole run: keep them out of the
        # collector's scans, and collect young objects less often (fewer pauses under load).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        await self.parts["pipeline"].start()
        await self.parts["video"].start()
        await self._serve_http()
        await self.parts["osmand"].start()
        await self.parts["jt808"].start()

    async def _serve_http(self) -> None:
        assert self.app is not None
        # lingering_time: how long a refused request's unread body is drained before the
        # connection closes (aiohttp's 10 s default would hold shutdowns up that long).
        self.runner = web.AppRunner(self.app, access_log_class=SafeAccessLogger,
                                    handle_signals=False, lingering_time=2.0,
                                    shutdown_timeout=5.0)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.cfg.server.host, self.cfg.server.port)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def _start_redis(self) -> None:
        rp: RedisParts = self.parts["redis"]
        await rp.check()
        gc.freeze()
        fanout: EventFanout = self.parts["fanout"]
        rp.start(fanout.publish, self.cfg.live.tick_s)
        if self.app is not None:
            await self._serve_http()
        for name in ("osmand", "jt808"):
            if name in self.parts:
                await self.parts[name].start()

    async def stop(self) -> None:
        """Reverse order: stop taking input first, then let the pipeline finish what it took."""
        for name in ("jt808", "osmand"):
            if name in self.parts:
                await self.parts[name].stop()
        await self.parts["hub"].close_all()
        if self.runner is not None:
            await self.runner.cleanup()
        if "redis" in self.parts:
            await self.parts["redis"].stop_all()
            return
        await self.parts["pipeline"].stop()
        await self.parts["video"].stop()


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
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--access-log", action="store_true",
                   help="log every HTTP request (paths only, never query strings)")
    return p.parse_args(argv)


def configure(args: argparse.Namespace) -> Config:
    cfg = load_config(args.config)
    server = cfg.server.model_copy(update={k: v for k, v in (
        ("host", args.host), ("port", args.port), ("clock", args.clock)) if v is not None})
    return cfg.model_copy(update={"server": server})


async def serve(server: Server, printed_tokens: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    host = server.cfg.server.host
    where = f"http://{host}:{server.port}/" if server.runner is not None else "no HTTP port"
    backend = f"Redis, role {server.role}" if server.redis_url else "memory"
    print(f"gridwatch: city {server.city.name!r} with {len(server.city.roads)} roads, "
          f"{len(server.city.grids)} grids; {where} ({backend})", flush=True)
    if "osmand" in server.parts:
        print(f"  OsmAnd on port {server.parts['osmand'].port}, JT/T 808 on port "
              f"{server.parts['jt808'].port}", flush=True)
    if printed_tokens and server.runner is not None:
        print("  demo tokens (this run only):", flush=True)
        for token, role in server.tokens.items():
            print(f"    {role:<10} {token}", flush=True)
        sup = next(t for t, r in server.tokens.items() if r == "supervisor")
        print(f"  open http://{host}:{server.port}/?token={sup}", flush=True)
    await stop.wait()
    print("gridwatch: stopping (finishing accepted positions)", flush=True)
    await server.stop()


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
    tokens: dict[str, str] = dict(cfg.auth.tokens)
    printed = not tokens
    if printed:
        tokens = demo_tokens()
    try:
        asyncio.run(serve(Server(cfg, city, tokens, args.redis, args.role), printed))
    except SigningKeyError as exc:
        print(f"gridwatch: refused to start: {exc}", file=sys.stderr)
        return 2
    except (RedisError, OSError) as exc:
        print(f"gridwatch: refused to start: Redis at {redact(args.redis)}: {exc}"
              if args.redis else f"gridwatch: refused to start: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
