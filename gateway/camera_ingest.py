"""POST /api/v1/cameras/{id}/frames: pushed JPEG frames (docs/contract.md §4, cameras)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from gateway.base import GatewayBase
from metrics.registry import Metrics
from web.api import bad_request, dumps, too_large
from web.auth import DEVICE, TokenAuth

JPEG_TYPES = frozenset({"image/jpeg", "image/jpg"})


class Elsewhere(Exception):
    """This process does not analyse video now; the frame should go to the one that does."""


class FrameSink(Protocol):
    def push_frame(self, camera_id: str, jpeg: bytes, ts: float) -> object: ...


def _error(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=dumps({"error": message}), content_type="application/json")


class CameraIngest(GatewayBase):
    """Counters under transport "camera": frames, frames_refused, frames_shed."""

    def __init__(self, auth: TokenAuth, sink: FrameSink, cameras: frozenset[str],
                 max_frame_bytes: int, wall: Callable[[], float] = time.time,
                 metrics: Metrics | None = None) -> None:
        super().__init__("camera", metrics)
        self.auth, self.sink, self.cameras = auth, sink, cameras
        self.max_frame_bytes, self.wall = max_frame_bytes, wall

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post("/api/v1/cameras/{id}/frames", self.post_frame)]

    async def post_frame(self, request: web.Request) -> web.Response:
        self.auth.check(request, DEVICE)
        try:
            response = await self._frame(request)
        except web.HTTPServiceUnavailable:
            self.count("frames_shed")
            raise
        except web.HTTPException:
            self.count("frames_refused")
            raise
        self.count("frames")
        return response

    async def _frame(self, request: web.Request) -> web.Response:
        camera = request.match_info["id"]
        if camera not in self.cameras:
            raise _error(web.HTTPNotFound, "no such camera")
        if request.content_type not in JPEG_TYPES:
            raise _error(web.HTTPUnsupportedMediaType,
                         f"frames must be image/jpeg, not {request.content_type[:60]!r}")
        if request.content_length is not None and request.content_length > self.max_frame_bytes:
            raise too_large("frame", self.max_frame_bytes, request.content_length)
        raw_ts = request.headers.get("X-Frame-Time")
        if raw_ts is None:
            ts = self.wall()
        else:
            try:
                ts = float(raw_ts)
            except ValueError:
                raise bad_request("X-Frame-Time must be epoch seconds") from None
            if not math.isfinite(ts) or ts <= 0:
                raise bad_request("X-Frame-Time must be epoch seconds")
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body.extend(chunk)
            if len(body) > self.max_frame_bytes:
                raise too_large("frame", self.max_frame_bytes, len(body))
        if not body:
            raise bad_request("empty body: expected one JPEG frame")
        try:
            taken = self.sink.push_frame(camera, bytes(body), ts)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        except Elsewhere as exc:  # scale-out: another gateway analyses video now
            raise web.HTTPServiceUnavailable(
                text=dumps({"error": str(exc)}), content_type="application/json",
                headers={"Retry-After": "1"}) from None
        if taken is False:  # analysis is behind: the camera should send its next frame later
            raise web.HTTPServiceUnavailable(
                text=dumps({"error": "analysis busy: frame dropped"}),
                content_type="application/json", headers={"Retry-After": "1"})
        return web.Response(text=dumps({"accepted": True, "camera": camera, "ts": ts}),
                            content_type="application/json")
