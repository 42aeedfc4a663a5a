"""Supervisor REST endpoints (docs/contract.md §4). Reads only; every handler checks its role."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import date as Date
from datetime import datetime
from inspect import isawaitable
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import orjson
from aiohttp import web

from model.alert import Alert
from model.deviceid import BadDeviceId, normalise_device_id
from web.auth import SUPERVISOR, TokenAuth

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


T = TypeVar("T")
Rows = list[dict[str, Any]]


class Queries(Protocol):
    """What the web layer reads: the memory Tracker answers at once, the Redis read model
    (web/redis_queries.py) after reading Redis."""

    def compliance(self, date: str, now: float | None = None) -> Rows | Awaitable[Rows]: ...
    def alerts(self, since: float = 0.0) -> list[Alert] | Awaitable[list[Alert]]: ...
    def devices(self) -> Rows | Awaitable[Rows]: ...
    def track(self, device: str, date: str) -> dict[str, Any] | Awaitable[dict[str, Any]]: ...
    def road_passes(self, road: str, date: str) -> Rows | Awaitable[Rows]: ...
    def day_passes(self, date: str) -> Rows | Awaitable[Rows]: ...
    def daily_report(self, date: str) -> dict[str, Any] | Awaitable[dict[str, Any]]: ...


async def answer(value: T | Awaitable[T]) -> T:
    if isawaitable(value):
        return await value
    return value


def dumps(obj: Any) -> str:
    return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(obj), status=status, content_type="application/json")


def too_large(what: str, limit: int, actual: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(
        max_size=limit, actual_size=actual, content_type="application/json",
        text=dumps({"error": f"{what} larger than {limit} bytes"}))


def not_found(what: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=dumps({"error": f"no such {what}"}),
                            content_type="application/json")


def bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=dumps({"error": message}), content_type="application/json")


class Api:
    def __init__(self, auth: TokenAuth, queries: Queries, timezone: str,
                 now: Any) -> None:
        self.auth, self.queries = auth, queries
        self.zone = ZoneInfo(timezone)
        self.now = now  # the server's clock (wall or data)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/api/v1/roads/compliance", self.compliance),
            web.get("/api/v1/alerts", self.alerts),
            web.get("/api/v1/devices", self.devices),
            web.get("/api/v1/tracks/{device}", self.track),
            web.get("/api/v1/roads/{road}/passes", self.road_passes),
            web.get("/api/v1/passes", self.passes),
            web.get("/api/v1/reports/daily", self.daily_report),
        ]

    def _date(self, request: web.Request) -> str:
        value = request.query.get("date")
        if value is None:
            return datetime.fromtimestamp(self.now(), self.zone).date().isoformat()
        if not DATE_RE.match(value):
            raise bad_request("date must be YYYY-MM-DD")
        try:
            Date.fromisoformat(value)
        except ValueError:
            raise bad_request(f"no such date {value}") from None
        return value

    async def compliance(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        return json_response(await answer(self.queries.compliance(self._date(request),
                                                                self.now())))

    async def alerts(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        raw = request.query.get("since", "0")
        try:
            since = float(raw)
        except ValueError:
            raise bad_request("since must be epoch seconds") from None
        if since != since:
            raise bad_request("since must be epoch seconds")
        return json_response([a.to_json() for a in await answer(self.queries.alerts(since))])

    async def devices(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        return json_response(await answer(self.queries.devices()))

    async def track(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        try:  # the ingest rule: an id a device reported under is found under the same form
            device = normalise_device_id(request.match_info["device"])
        except BadDeviceId as exc:
            raise bad_request(str(exc)) from None
        try:
            return json_response(await answer(self.queries.track(device, self._date(request))))
        except KeyError:
            raise not_found("device") from None

    async def road_passes(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        try:
            return json_response(await answer(self.queries.road_passes(
                request.match_info["road"], self._date(request))))
        except KeyError:
            raise not_found("road") from None

    async def passes(self, request: web.Request) -> web.Response:
        """Every pass of the day, oldest first, for the page's passes-through-the-day chart."""
        self.auth.check(request, SUPERVISOR)
        return json_response(await answer(self.queries.day_passes(self._date(request))))

    async def daily_report(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        return json_response(await answer(self.queries.daily_report(self._date(request))))
