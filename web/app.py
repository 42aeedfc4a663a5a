"""The aiohttp application: every route of docs/contract.md §4 in one table."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.roles import base_of, subject_of
from metrics.registry import Metrics
from web.api import answer, dumps, json_response
from web.auth import SUPERVISOR, TokenAuth
from web.headers import security_headers, static_route
from web.live import LiveHub, Scope
from web.openapi import openapi_document

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
ANY_ROLE = frozenset({"device", "supervisor", "admin"})
# The case loop's desk roles open the page too (its Cases and Evaluation tabs): they get the
# city's map and the live `case` events they may see, none of the patrol data.
CASE_DESK = frozenset({"operator", "dispatcher", "department"})
PAGE_ROLES = SUPERVISOR | CASE_DESK
EVERY_ROLE = frozenset({"device", "supervisor", "admin", "inspector", "operator", "dispatcher",
                        "department", "public"})


class Site:
    """Routes that belong to no single part: page, city, live socket, health, metrics, docs."""

    def __init__(self, auth: TokenAuth, hub: LiveHub, metrics: Metrics,
                 city_doc: dict[str, Any],
                 health: Callable[[], dict[str, Any] | Awaitable[dict[str, Any]]],
                 max_msg: int, page_config: dict[str, Any],
                 gauges: Callable[[], dict[str, int]] = dict,
                 scrape: Callable[[Metrics], Awaitable[None]] | None = None,
                 now: Callable[[], float] = time.time) -> None:
        """health: {"status": "ok" | "degraded", "reasons": [...], ...} (bus/health.py);
        gauges: figures read at scrape time; scrape: refreshes shared figures (Redis);
        now: the server's clock (wall or data)."""
        self.auth, self.hub, self.metrics = auth, hub, metrics
        self.city_doc, self.health, self.max_msg = city_doc, health, max_msg
        self.page_config = page_config
        self.gauges, self.scrape, self.now = gauges, scrape, now
        self.openapi = openapi_document()

    def routes(self) -> list[web.AbstractRouteDef]:
        routes: list[web.AbstractRouteDef] = [
            web.get("/", self.page),
            web.get("/healthz", self.healthz),
            web.get("/metrics", self.metrics_text),
            web.get("/api/v1/openapi.json", self.openapi_json),
            web.get("/api/v1/city", self.city),
            web.get("/api/v1/whoami", self.whoami),
            web.get("/api/v1/page-config", self.page_cfg),
            web.get("/ws/live", self.live),
        ]
        if STATIC.is_dir():
            routes.append(static_route(STATIC))
        return routes

    async def page(self, request: web.Request) -> web.StreamResponse:
        # The page shell holds no data; it asks for a token before it loads any.
        index = STATIC / "index.html"
        if not index.is_file():
            raise web.HTTPNotFound(text="the supervisor page is not installed")
        return web.FileResponse(index)  # its CSP: web/headers.py

    async def healthz(self, request: web.Request) -> web.Response:
        self.auth.check(request, ANY_ROLE)
        return json_response(await answer(self.health()))

    async def metrics_text(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        for what, value in self.gauges().items():
            self.metrics.tracker.labels(what).set(value)
        if self.scrape is not None:
            await self.scrape(self.metrics)
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def openapi_json(self, request: web.Request) -> web.Response:
        self.auth.check(request, ANY_ROLE)
        return json_response(self.openapi)

    async def city(self, request: web.Request) -> web.Response:
        self.auth.check(request, PAGE_ROLES)
        return json_response(self.city_doc)

    async def whoami(self, request: web.Request) -> web.Response:
        """The caller's own role (the page shows the tabs and buttons it may use) and the
        server's clock (with --clock data, the data's time: the page's "today")."""
        role = self.auth.check(request, EVERY_ROLE)
        return json_response({"role": role, "base": base_of(role), "subject": subject_of(role),
                              "patrol": base_of(role) in SUPERVISOR, "now": self.now()})

    async def page_cfg(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        return json_response(self.page_config)

    async def live(self, request: web.Request) -> web.WebSocketResponse:
        role = self.auth.check(request, PAGE_ROLES, allow_query=True)
        scope = Scope()
        if base_of(role) in CASE_DESK:
            dep = subject_of(role) if base_of(role) == "department" else None
            scope = Scope(frozenset({"case"}), dep)
        self.metrics.live_clients.inc()
        try:
            return await self.hub.serve(request, self.max_msg, scope)
        finally:
            self.metrics.live_clients.dec()


def build_app(route_tables: list[list[web.AbstractRouteDef]], client_max_size: int,
              unavailable: tuple[type[Exception], ...] = ()) -> web.Application:
    """unavailable: errors that mean the shared state cannot be read now (Redis down); they
    answer 503 with Retry-After instead of 500."""
    middlewares = [_unavailable_as_503(unavailable)] if unavailable else []
    app = web.Application(client_max_size=client_max_size, middlewares=middlewares)
    app.on_response_prepare.append(security_headers)
    for table in route_tables:
        app.add_routes(table)
    return app


def _unavailable_as_503(errors: tuple[type[Exception], ...]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except errors as exc:
            log.warning("%s %s: shared state unavailable: %s", request.method, request.path,
                        type(exc).__name__)
            return web.Response(status=503, headers={"Retry-After": "1"},
                                text=dumps({"error": "shared state unavailable; retry"}),
                                content_type="application/json")
        return response
    return middleware
