"""Open311 GeoReport v2 (JSON): public-reporting apps feed the hotline channel. api_key is a
token of the `public` role; a request becomes a reported case of source open311.

Only .json is served (GeoReport's XML form is not); service_code is a class code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from cases.errors import CaseError, NotFound
from cases.records import Actor, NewCase
from cases.service import CaseService
from web.api import json_response
from web.auth import TokenAuth

PUBLIC = frozenset({"public", "admin"})
OPEN_STATES = {"reported", "accepted", "opened", "dispatched", "handled", "checked", "parked"}


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _error(status: int, code: int, text: str) -> web.Response:
    return json_response([{"code": code, "description": text}], status=status)


class Open311Api:
    def __init__(self, auth: TokenAuth, service: CaseService) -> None:
        self.auth, self.service = auth, service

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get("/open311/v2/services.json", self.services),
                web.get("/open311/v2/requests.json", self.requests),
                web.post("/open311/v2/requests.json", self.create),
                web.get("/open311/v2/requests/{id}.json", self.request)]

    def _key(self, request: web.Request, form: dict[str, Any] | None = None) -> Actor | None:
        """GeoReport passes api_key as a parameter; a bearer token works too. No key at all:
        401; a key that is not a public one: 403."""
        token = (form or {}).get("api_key") or request.query.get("api_key") \
            or self.auth.token_of(request)
        if not token:
            raise web.HTTPUnauthorized(
                text='[{"code": 401, "description": "api_key is required"}]',
                content_type="application/json")
        role = self.auth.role_of(str(token))
        return Actor(role) if role is not None and role.partition(":")[0] in PUBLIC else None

    async def services(self, request: web.Request) -> web.Response:
        if self._key(request) is None:
            return _error(403, 403, "a valid api_key of the public role is required")
        return json_response([{
            "service_code": c.code, "service_name": c.name, "description": c.major_name,
            "metadata": False, "type": "realtime", "keywords": c.kind,
            "group": c.major_name} for c in self.service.store.catalog.classes.values()])

    def _out(self, case: dict[str, Any]) -> dict[str, Any]:
        cls = self.service.store.catalog.classes.get(case["class"])
        return {"service_request_id": str(case["id"]),
                "status": "open" if case["state"] in OPEN_STATES else "closed",
                "status_notes": case["state_name"], "service_code": case["class"],
                "service_name": cls.name if cls else case["class"],
                "description": case["description"], "agency_responsible": case["department"],
                "requested_datetime": _iso(case["created_ts"]),
                "updated_datetime": _iso(case["updated_ts"]), "address": case["address"],
                "lat": case["lat"], "long": case["lon"]}

    async def create(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            try:
                form: dict[str, Any] = dict(await request.json())
            except ValueError:
                return _error(400, 400, "body is not JSON")
        else:
            form = dict(await request.post())
        actor = self._key(request, form)
        if actor is None:
            return _error(403, 403, "a valid api_key of the public role is required")
        try:
            lat, lon = float(form["lat"]), float(form["long"])
            code = str(form["service_code"])
        except (KeyError, ValueError, TypeError):
            return _error(400, 400, "service_code, lat and long are required")
        try:
            place = self.service.place(lon, lat)
            token = form.get("device_id") or form.get("email")
            case, _ = await self.service.report(NewCase(
                code, place, "open311", str(form.get("description", ""))[:4000],
                str(form.get("address_string", ""))[:4000], reporter="open311",
                note=f"open311 {str(token)[:100]}" if token else "open311"), actor)
        except CaseError as exc:
            return _error(exc.status, exc.status, exc.message)
        return json_response([{"service_request_id": str(case["id"]),
                               "service_notice": "已受理登记 / registered"}], status=201)

    async def requests(self, request: web.Request) -> web.Response:
        actor = self._key(request)
        if actor is None:
            return _error(403, 403, "a valid api_key of the public role is required")
        ids = [i for i in request.query.get("service_request_id", "").split(",") if i]
        if ids:
            out = []
            for i in ids[:50]:
                try:
                    out.append(self._out(await self.service.store.get(int(i), Actor("admin"))))
                except (ValueError, NotFound):
                    continue
            return json_response(out)
        found = await self.service.store.list_cases(Actor("admin"), source="open311", limit=200)
        return json_response([self._out(c) for c in found["cases"]])

    async def request(self, request: web.Request) -> web.Response:
        if self._key(request) is None:
            return _error(403, 403, "a valid api_key of the public role is required")
        try:
            case = await self.service.store.get(int(request.match_info["id"]), Actor("admin"))
        except (ValueError, NotFound):
            return _error(404, 404, "no such service request")
        if case["source"] != "open311":
            return _error(404, 404, "no such service request")
        return json_response([self._out(case)])
