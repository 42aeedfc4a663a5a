"""Pass lists for the supervisor page: a road's passes over the day, and the whole day's passes
for the "passes through the day" chart. Compliance rows only carry counts; these carry times.

    GET /api/v1/passes?date=YYYY-MM-DD[&road=ID]
      -> [{"road", "ts", "device", "suspect"}], oldest first (404 for an unknown road)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date as Date
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web

from web.api import DATE_RE, bad_request, dumps, json_response
from web.auth import SUPERVISOR, TokenAuth


class PassQueries(Protocol):
    def road_passes(self, road: str, date: str) -> list[dict[str, Any]]: ...


class PassesApi:
    def __init__(self, auth: TokenAuth, queries: PassQueries, road_ids: Sequence[str],
                 timezone: str, now: Callable[[], float]) -> None:
        """road_ids: every road of the city in city order; now: the server's clock, which
        gives the default date (today in the city's zone), as for the other endpoints."""
        self.auth, self.queries = auth, queries
        self.road_ids = list(road_ids)
        self.known = frozenset(self.road_ids)
        self.zone = ZoneInfo(timezone)
        self.now = now

    def date_of(self, request: web.Request) -> str:
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

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/api/v1/passes", self.passes)]

    async def passes(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        date = self.date_of(request)
        road = request.query.get("road")
        if road is not None and road not in self.known:
            raise web.HTTPNotFound(text=dumps({"error": "no such road"}),
                                   content_type="application/json")
        out: list[dict[str, Any]] = []
        for rid in (road,) if road is not None else self.road_ids:
            out.extend({"road": rid, **p} for p in self.queries.road_passes(rid, date))
        out.sort(key=lambda p: float(p["ts"]))
        return json_response(out)
