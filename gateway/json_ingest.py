"""JSON ingest: POST /api/v1/positions and the /ws/device WebSocket (docs/contract.md §4)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from aiohttp import WSCloseCode, web

from config.server import GatewaySection
from gateway.base import Convert, GatewayBase
from gateway.fastpath import MAX_DEPTH_MESSAGE, fast_decode, from_wire
from gateway.positions import Rejected, parse_batch, unpack_body
from gateway.ratelimit import BucketTable, TokenBucket
from gateway.sink import PositionSink, SinkUnavailable
from metrics.registry import Metrics
from model.position import Position
from model.timewindow import TimeWindow
from web.api import too_large
from web.auth import DEVICE, TokenAuth

log = logging.getLogger(__name__)


# A WebSocket message's answer, after the positions it carried (if any) were taken.
Answer = tuple["asyncio.Future[None] | None", dict[str, Any]]
WS_IN_FLIGHT = 32  # messages of one device socket being stored at once


def _json_error(status: type[web.HTTPException], message: str, **headers: str) -> web.HTTPException:
    return status(text=orjson.dumps({"error": message}).decode(),
                  content_type="application/json", headers=headers or None)


class JsonIngest(GatewayBase):
    """JSON positions over HTTP and WebSocket; counters under transport "json"."""

    def __init__(self, cfg: GatewaySection, auth: TokenAuth, sink: PositionSink,
                 metrics: Metrics, convert: Convert, window: TimeWindow) -> None:
        super().__init__("json", metrics)
        self.cfg, self.auth, self.sink = cfg, auth, sink
        self.convert, self.window = convert, window
        self.http_buckets = BucketTable(cfg.rate_messages_per_s, cfg.rate_burst)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post("/api/v1/positions", self.post_positions),
                web.get("/ws/device", self.ws_device)]

    def _process(self, data: str | bytes, transport: str) -> tuple[list[Position], dict[str, Any]]:
        limit = self.cfg.max_positions_per_message
        wire = fast_decode(data)
        if wire is not None:
            if len(wire) > limit:
                raise Rejected(f"more than {limit} positions in one message")
            good, rejected = from_wire(wire, self.window, self.sink.known)
        else:
            try:
                body = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise Rejected(f"malformed JSON: {exc}") from None
            except RecursionError:
                raise Rejected(MAX_DEPTH_MESSAGE) from None
            items = unpack_body(body)
            if len(items) > limit:
                raise Rejected(f"more than {limit} positions in one message")
            good, rejected = parse_batch(items, self.window, self.sink.known)
        if good:
            good = self.convert(good)
            self.metrics.positions_received.labels(transport).inc(len(good))
            self.count("positions", len(good))
        if rejected:
            self.metrics.positions_rejected.labels(transport).inc(len(rejected))
            self.count("positions_refused", len(rejected))
        return good, {"accepted": len(good), "rejected": rejected}

    async def post_positions(self, request: web.Request) -> web.Response:
        self.auth.check(request, DEVICE)
        token = self.auth.token_of(request) or ""
        wait = self.http_buckets.take(token)
        if wait > 0:
            self.metrics.requests_refused.labels("rate").inc()
            raise _json_error(web.HTTPTooManyRequests, "rate limit exceeded, slow down",
                              **{"Retry-After": str(max(1, round(wait)))})
        limit = self.cfg.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            self.metrics.requests_refused.labels("size").inc()
            raise too_large("body", limit, request.content_length)
        try:
            async with asyncio.timeout(self.cfg.body_timeout_s):
                data = await request.read()
        except TimeoutError:
            self.metrics.requests_refused.labels("stalled").inc()
            raise _json_error(web.HTTPRequestTimeout, "body not received in time",
                              Connection="close") from None
        except web.HTTPRequestEntityTooLarge:
            self.metrics.requests_refused.labels("size").inc()
            raise too_large("body", limit, request.content_length or limit + 1) from None
        try:
            good, answer = self._process(data, "http")
        except Rejected as exc:
            self.count("bad_requests")
            raise _json_error(web.HTTPBadRequest, str(exc)) from None
        if good:
            try:
                await self.sink.submit(good)
            except SinkUnavailable as exc:
                self.metrics.requests_refused.labels("unavailable").inc()
                raise _json_error(web.HTTPServiceUnavailable, f"not taken: {exc}; retry",
                                  **{"Retry-After": "1"}) from None
        return web.json_response(answer, dumps=lambda o: orjson.dumps(o).decode())

    async def ws_device(self, request: web.Request) -> web.WebSocketResponse:
        """Messages are read on while earlier ones are being stored (up to WS_IN_FLIGHT of
        them): a sink with latency (Redis) then costs a connection no round trip per message.
        Answers still go out one per message, in order, each after its positions were taken."""
        self.auth.check(request, DEVICE, allow_query=True)
        ws = web.WebSocketResponse(heartbeat=60.0, max_msg_size=self.cfg.max_body_bytes)
        await ws.prepare(request)
        bucket = TokenBucket(self.cfg.rate_messages_per_s, self.cfg.rate_burst)
        flooded = 0
        answers: asyncio.Queue[Answer | None] = asyncio.Queue(WS_IN_FLIGHT)
        sender = asyncio.create_task(self._answer(ws, answers))
        self.metrics.device_sockets.inc()
        try:
            async for msg in ws:
                if msg.type == web.WSMsgType.ERROR:
                    break
                if msg.type not in (web.WSMsgType.TEXT, web.WSMsgType.BINARY):
                    continue
                wait = bucket.take()
                if wait > 0:
                    flooded += 1
                    self.metrics.requests_refused.labels("rate").inc()
                    if flooded >= self.cfg.flood_close_after:
                        await answers.put(None)
                        await sender
                        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"flooding")
                        break
                    await answers.put((None, {"accepted": 0, "rejected": [],
                                              "error": "rate limit exceeded",
                                              "retry_after": round(wait, 3)}))
                    continue
                flooded = 0
                try:
                    good, answer = self._process(msg.data, "ws")
                except Rejected as exc:
                    self.count("bad_requests")
                    await answers.put((None, {"accepted": 0, "rejected": [], "error": str(exc)}))
                    continue
                taking = asyncio.ensure_future(self.sink.submit(good)) if good else None
                await answers.put((taking, answer))
        finally:
            self.metrics.device_sockets.dec()
            if not sender.done():  # the answers still due go out, then the sender stops
                await answers.put(None)
                await sender
        if ws.close_code == WSCloseCode.MESSAGE_TOO_BIG:
            self.metrics.requests_refused.labels("size").inc()
        return ws

    async def _answer(self, ws: web.WebSocketResponse,
                      answers: asyncio.Queue[Answer | None]) -> None:
        """Each message's answer, in order, once its positions were taken (or refused)."""
        while (item := await answers.get()) is not None:
            taking, answer = item
            if taking is not None:
                try:
                    await taking
                except SinkUnavailable as exc:
                    self.metrics.requests_refused.labels("unavailable").inc()
                    answer = {"accepted": 0, "rejected": [], "error": f"not taken: {exc}; retry",
                              "retry_after": 1.0}
                except Exception:  # a bug must not leave the device without its answers
                    log.exception("positions from a device socket not taken")
                    answer = {"accepted": 0, "rejected": [],
                              "error": "not taken: internal error; retry", "retry_after": 1.0}
            if not ws.closed:
                with contextlib.suppress(ConnectionResetError):
                    await ws.send_str(orjson.dumps(answer).decode())
