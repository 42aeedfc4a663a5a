"""/api/v1/cases: the case loop's REST API (docs/cases-api.md). Every handler checks the
caller's role first; cases/errors.py become 403/404/409/422 with a JSON reason."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cases.errors import CaseError
from cases.evaluation import Evaluation
from cases.flow import ACTIONS, STATES, TABLE
from cases.inventory import Inventory
from cases.photos import SHA_RE, PhotoRefused
from cases.records import ActionInput, Actor, NewCase
from cases.service import CaseService
from web.api import dumps, json_response
from web.auth import TokenAuth

READ = frozenset({"inspector", "operator", "dispatcher", "department", "supervisor", "admin"})
UPLOAD = frozenset({"inspector", "operator", "dispatcher", "department", "admin"})
REPORT = frozenset({"inspector", "operator", "admin"})
ACT = frozenset({"inspector", "operator", "dispatcher", "department", "admin"})
RANK = frozenset({"operator", "dispatcher", "department", "supervisor", "admin"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportBody(Body):
    source: Literal["inspector", "hotline", "camera"] = "inspector"
    class_: str = Field(alias="class", min_length=1, max_length=8)
    lon: float
    lat: float
    description: str = Field("", max_length=4000)
    address: str = Field("", max_length=4000)
    photos: list[str] = Field(default_factory=list, max_length=20)
    component: str | None = Field(None, pattern=r"^\d{16}$")
    camera: str | None = Field(None, max_length=64)
    evidence: str | None = Field(None, max_length=200)  # a camera clip's evidence id
    caller: str | None = Field(None, max_length=200)  # hotline: who called (kept in the log)
    request_id: str | None = Field(None, max_length=100)  # the client's: one case per id


class ActionBody(Body):
    action: str = Field(min_length=1, max_length=16)
    version: int = Field(ge=1)
    note: str = Field("", max_length=4000)
    reason: str | None = Field(None, max_length=4000)
    department: str | None = Field(None, max_length=64)
    photos: list[str] = Field(default_factory=list, max_length=20)
    hours: float | None = None
    passed: bool | None = None


class AlertBody(Body):
    alert: str = Field(min_length=1, max_length=300)


def error_response(exc: CaseError) -> web.Response:
    return json_response(exc.body(), status=exc.status)


def unprocessable(message: str, **extra: Any) -> web.Response:
    return json_response({"error": message, **extra}, status=422)


def _validation(exc: ValidationError) -> web.Response:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return unprocessable(f"{where}: {first['msg']}", field=where)


async def read_json(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text=dumps({"error": "send application/json"}),
                                           content_type="application/json")
    try:
        return orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise web.HTTPBadRequest(text=dumps({"error": "body is not JSON"}),
                                 content_type="application/json") from None


def _photos(shas: list[str]) -> tuple[str, ...]:
    for s in shas:
        if not SHA_RE.match(s):
            raise CaseErrorBadPhoto(s)
    return tuple(shas)


class CaseErrorBadPhoto(CaseError):
    status = 422

    def __init__(self, sha: str) -> None:
        super().__init__("photos are SHA-256 hex ids of uploaded photos", field="photos")


class CasesApi:
    def __init__(self, auth: TokenAuth, service: CaseService, evaluation: Evaluation,
                 inventory: Inventory, max_page: int) -> None:
        self.auth, self.service, self.evaluation = auth, service, evaluation
        self.inventory, self.max_page = inventory, max_page

    def routes(self) -> list[web.AbstractRouteDef]:
        w = self._wrap
        return [
            web.get("/api/v1/cases/catalog", w(self.catalog)),
            web.post("/api/v1/cases/photos", w(self.upload)),
            web.get("/api/v1/cases/photos/{sha}", w(self.photo)),
            web.get("/api/v1/cases/evaluation", w(self.evaluate)),
            web.get("/api/v1/cases/bulletin", w(self.bulletin)),
            web.get("/api/v1/cases/inventory", w(self.inventory_geojson)),
            web.post("/api/v1/cases/inventory", w(self.inventory_load)),
            web.post("/api/v1/cases/from-alert", w(self.from_alert)),
            web.get("/api/v1/cases", w(self.list)),
            web.post("/api/v1/cases", w(self.report)),
            web.get("/api/v1/cases/{id}", w(self.get)),
            web.post("/api/v1/cases/{id}/actions", w(self.act)),
        ]

    @staticmethod
    def _wrap(handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except CaseError as exc:
                return error_response(exc)
            except ValidationError as exc:
                return _validation(exc)
        return wrapped

    def _actor(self, request: web.Request, roles: frozenset[str]) -> Actor:
        return Actor(self.auth.check(request, roles))

    @staticmethod
    def _case_id(request: web.Request) -> int:
        text = request.match_info["id"]
        value = int(text) if text.isdigit() and len(text) < 19 else -1
        if value < 0:
            raise web.HTTPNotFound(text=dumps({"error": "no such case"}),
                                   content_type="application/json")
        return value

    async def catalog(self, request: web.Request) -> web.Response:
        self._actor(request, READ | {"public"})
        return json_response({
            **self.service.store.catalog.to_json(),
            "states": [{"id": k, "name": v} for k, v in STATES.items()],
            "actions": [{"id": k, "name": v} for k, v in ACTIONS.items()],
            "flow": [t.to_json() for t in TABLE],
            "warn_fraction": self.service.cfg.warn_fraction,
        })

    async def upload(self, request: web.Request) -> web.Response:
        actor = self._actor(request, UPLOAD)
        limit = self.service.photos.max_bytes
        if request.content_length is not None and request.content_length > limit:
            return json_response({"error": f"photo larger than {limit} bytes"}, status=413)
        data = bytearray()
        async for chunk in request.content.iter_chunked(65536):
            data += chunk
            if len(data) > limit:
                return json_response({"error": f"photo larger than {limit} bytes"}, status=413)
        try:
            out = await self.service.upload_photo(bytes(data), actor)
        except PhotoRefused as exc:
            return json_response({"error": str(exc)}, status=exc.status)
        return json_response(out, status=201)

    async def photo(self, request: web.Request) -> web.StreamResponse:
        self._actor(request, READ)
        sha = request.match_info["sha"]
        row = await self.service.store.photo(sha) if SHA_RE.match(sha) else None
        if row is None:
            return json_response({"error": "no such photo"}, status=404)
        path = self.service.photos.path(sha, row["mime"], public=True)
        if not path.is_file():
            return json_response({"error": "no such photo"}, status=404)
        return web.FileResponse(path, headers={"Content-Type": row["mime"],
                                               "Cache-Control": "private, max-age=86400"})

    async def report(self, request: web.Request) -> web.Response:
        actor = self._actor(request, REPORT)
        body = ReportBody.model_validate(await read_json(request))
        if not (math.isfinite(body.lon) and math.isfinite(body.lat)):
            return unprocessable("location is not a WGS-84 longitude/latitude",
                                 field="location")
        if actor.base == "inspector" and body.source != "inspector":
            return json_response({"error": "an inspector reports as source inspector"},
                                 status=403)
        if actor.base == "operator" and body.source == "inspector":
            return json_response({"error": "operators enter hotline or camera cases"},
                                 status=403)
        place = self.service.place(body.lon, body.lat)
        evidence = None
        if body.source == "camera":
            if body.camera is None or body.camera not in self.service.camera_places:
                return unprocessable("a camera case names a camera of the city",
                                     field="camera")
            evidence = {"camera": body.camera, "evidence": body.evidence}
        note = f"caller: {body.caller}" if body.caller else ""
        ref = f"req:{actor.role}:{body.request_id}" if body.request_id else None
        new = NewCase(body.class_, place, body.source, body.description, body.address,
                      reporter=actor.subject if actor.base == "inspector" else actor.role,
                      source_ref=ref, photos=_photos(body.photos), component=body.component,
                      evidence=evidence, note=note)
        case, created = await self.service.report(new, actor)
        return json_response(case, status=201 if created else 200)

    async def list(self, request: web.Request) -> web.Response:
        actor = self._actor(request, READ)
        q = request.query
        states = [s for s in q.get("state", "").split(",") if s]
        bad = [s for s in states if s not in STATES]
        if bad:
            return unprocessable(f"no such state {bad[0]!r}", field="state")
        try:
            limit = min(int(q.get("limit", "100")), self.max_page)
            offset = int(q.get("offset", "0"))
        except ValueError:
            return unprocessable("limit and offset are integers", field="limit")
        if limit < 1 or offset < 0:
            return unprocessable("limit >= 1 and offset >= 0", field="limit")
        out = await self.service.store.list_cases(
            actor, states=states, department=q.get("department"), grid=q.get("grid"),
            source=q.get("source"), reporter=q.get("reporter"),
            overdue=q.get("overdue") in ("1", "true"), limit=limit, offset=offset)
        return json_response(out)

    async def get(self, request: web.Request) -> web.Response:
        actor = self._actor(request, READ)
        return json_response(await self.service.store.get(self._case_id(request), actor))

    async def act(self, request: web.Request) -> web.Response:
        actor = self._actor(request, ACT)
        body = ActionBody.model_validate(await read_json(request))
        if body.action not in ACTIONS or body.action == "report":
            return unprocessable(f"no such action {body.action!r}", field="action")
        if body.hours is not None and not math.isfinite(body.hours):
            return unprocessable("hours is a number", field="hours")
        given = ActionInput(body.action, body.version, body.note, body.reason,
                            body.department, _photos(body.photos), body.hours, body.passed)
        return json_response(await self.service.act(self._case_id(request), given, actor))

    async def from_alert(self, request: web.Request) -> web.Response:
        actor = self._actor(request, frozenset({"operator", "admin"}))
        body = AlertBody.model_validate(await read_json(request))
        case, created = await self.service.from_alert(body.alert, actor)
        return json_response(case, status=201 if created else 200)

    async def evaluate(self, request: web.Request) -> web.Response:
        self._actor(request, RANK)
        q = request.query
        table = await self.evaluation.table(q.get("dimension", "department"),
                                            q.get("period", "month"), q.get("date"))
        if q.get("format") == "csv":
            return web.Response(text=self.evaluation.csv(table), content_type="text/csv",
                                charset="utf-8", headers={
                                    "Content-Disposition": "attachment; filename=\""
                                    f"evaluation-{table['dimension']}-{table['period']}-"
                                    f"{table['start']}.csv\""})
        return json_response(table)

    async def bulletin(self, request: web.Request) -> web.Response:
        self._actor(request, RANK)
        html = await self.evaluation.bulletin(request.query.get("month"))
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def inventory_geojson(self, request: web.Request) -> web.Response:
        self._actor(request, READ)
        return json_response(await self.inventory.geojson(request.query.get("bbox")))

    async def inventory_load(self, request: web.Request) -> web.Response:
        self._actor(request, frozenset({"admin"}))
        return json_response(await self.inventory.load(await read_json(request)))
