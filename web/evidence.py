"""Evidence endpoints: manifests (with the signature check), files, the public key. Ids and
names are validated by the video store; nothing from the request is joined onto a path here.
The check hashes every file of a folder, so it runs in a thread, never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Protocol

from aiohttp import web

from web.api import answer, json_response, not_found
from web.auth import SUPERVISOR, TokenAuth

# One evidence folder by its id (a spill case carries it): the case desk that accepts and
# dispatches the case watches its clip too. Listing every camera's evidence stays supervisors'.
EVIDENCE_READERS = SUPERVISOR | {"operator", "dispatcher"}

Listing = list[dict[str, Any]]


class EvidenceStore(Protocol):
    def evidence_manifest(self, evidence_id: str) -> dict[str, Any]: ...
    def evidence_file(self, evidence_id: str, name: str) -> Any: ...
    def list_evidence(self, camera: str | None = None) -> Listing | Awaitable[Listing]: ...
    def evidence_public_key(self) -> dict[str, Any]: ...


class EvidenceApi:
    def __init__(self, auth: TokenAuth, store: EvidenceStore,
                 cameras: list[dict[str, Any]]) -> None:
        self.auth, self.store, self.camera_list = auth, store, cameras

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get("/api/v1/cameras", self.cameras),
                web.get("/api/v1/evidence", self.list),
                web.get("/api/v1/evidence/public-key", self.public_key),
                web.get("/api/v1/evidence/{id}", self.manifest),
                web.get("/api/v1/evidence/{id}/{file:.+}", self.file)]

    async def cameras(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        return json_response(self.camera_list)

    async def list(self, request: web.Request) -> web.Response:
        self.auth.check(request, SUPERVISOR)
        return json_response(await answer(self.store.list_evidence(request.query.get("camera"))))

    async def public_key(self, request: web.Request) -> web.Response:
        """The key evidence manifests are signed with (README: Evidence)."""
        self.auth.check(request, SUPERVISOR)
        return json_response(self.store.evidence_public_key())

    async def manifest(self, request: web.Request) -> web.Response:
        self.auth.check(request, EVIDENCE_READERS)
        try:
            found = await asyncio.to_thread(self.store.evidence_manifest, request.match_info["id"])
        except KeyError:
            raise not_found("evidence") from None
        return json_response(found)

    async def file(self, request: web.Request) -> web.StreamResponse:
        """A listed file; aiohttp's FileResponse answers Range requests (206), which is how a
        browser's <video> seeks."""
        self.auth.check(request, EVIDENCE_READERS)
        try:
            path = await asyncio.to_thread(self.store.evidence_file, request.match_info["id"],
                                           request.match_info["file"])
        except KeyError:
            raise not_found("evidence file") from None
        return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

