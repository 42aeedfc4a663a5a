"""/ws/live fan-out: every event encoded once, then queued per client with its own filter.

Batch-mode clients (the live page) are served by subscription: the clients that asked for the
same types and grids share one Flush, the events they take written straight into frames by one
msgspec call per frame (bus/wire.py json_value), about a third of the cost of writing each event
as text and joining the texts.

A slow client never slows ingest: each client has a bounded queue drained by its own sender
task; when the events or bytes queued for it reach their limits ([live] client_queue and
client_queue_bytes, counted in events whatever the mode: a batch-mode flush of 5,000 events
counts 5,000) the client is told it fell behind and is dropped. Failures (README, Failure
policy): an event that cannot be encoded is dead-lettered and the others go out; a client whose
socket fails is dropped, counted and reported, and the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import orjson
from aiohttp import WSCloseCode, web

from bus.health import Health
from bus.wire import json_frame, json_of, json_value
from model.events import Event
from store.deadletter import DeadLetter, letter_for

log = logging.getLogger(__name__)

LIVE_TYPES = frozenset({"position", "road", "alert", "cleared", "camera_event", "case"})
CLOSE_TOO_SLOW = 4008  # application close code: the client fell too far behind
FRAME_BYTES = 16 * 1024  # batch-mode frames (aiohttp's limit for compressing in place)
_TYPE = attrgetter("TYPE")


@dataclass(slots=True)
class Subscription:
    grids: frozenset[str] | None = None  # None: every grid
    types: frozenset[str] | None = None  # None: every type
    batch: bool = False  # True: one JSON array per flush instead of one message per event


@dataclass(frozen=True, slots=True)
class Scope:
    """What a token may see on /ws/live whatever it subscribes to: a supervisor everything; a
    case-loop role (operator, dispatcher) only `case` events; a department only the `case`
    events of its own department's cases."""
    types: frozenset[str] | None = None  # None: every type
    department: str | None = None  # case events of this department only (types {"case"})

    def narrow(self, sub: Subscription) -> Subscription:
        if self.types is None:
            return sub
        types = self.types if sub.types is None else sub.types & self.types
        return Subscription(sub.grids, types, sub.batch)

    def shows(self, text: str) -> bool:
        """text: an encoded event of this scope's types (a department's: `case` only)."""
        if self.department is None:
            return True
        try:  # case events are few (human actions): parsing each one here costs nothing
            event = orjson.loads(text)
        except orjson.JSONDecodeError:
            return False
        return isinstance(event, dict) and event.get("department") == self.department


EVERYTHING = Scope()


def parse_subscription(message: Any) -> Subscription:
    if not isinstance(message, dict) or not isinstance(message.get("subscribe"), dict):
        raise ValueError('expected {"subscribe": {"grids": [...], "types": [...]}}')
    sub = message["subscribe"]
    grids, types, batch = sub.get("grids"), sub.get("types"), sub.get("batch", False)
    for key, value in (("grids", grids), ("types", types)):
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise ValueError(f"{key} must be a list of strings")
    if types is not None and not set(types) <= LIVE_TYPES:
        raise ValueError(f"unknown types {sorted(set(types) - LIVE_TYPES)}; "
                         f"known: {sorted(LIVE_TYPES)}")
    if not isinstance(batch, bool):
        raise ValueError("batch must be true or false")
    return Subscription(frozenset(grids) if grids is not None else None,
                        frozenset(types) if types is not None else None, batch)


@dataclass(slots=True)
class Flush:
    """Batch-mode frames for the clients of one subscription: JSON arrays (UTF-8) of at most
    FRAME_BYTES each (an event larger than that alone). Shared: never changed once built."""

    frames: list[bytes]
    events: int
    size: int  # bytes


QueueItem = str | list[str] | Flush  # a message, texts to send as arrays, frames


@dataclass(eq=False)
class LiveClient:
    ws: web.WebSocketResponse
    queue_limit: int  # events
    byte_limit: int = 16 * 1024 * 1024
    sub: Subscription = field(default_factory=Subscription)
    scope: Scope = EVERYTHING
    # A message, or a batch-mode flush (texts or frames, sent as JSON arrays), or None: stop.
    queue: asyncio.Queue[QueueItem | None] = field(default_factory=asyncio.Queue)
    dropped: bool = False
    queued_events: int = 0  # in the queue, not yet taken by the sender
    queued_bytes: int = 0

    def push(self, item: QueueItem) -> None:
        if isinstance(item, str):
            self.queued_events += 1
            self.queued_bytes += len(item)
        elif isinstance(item, Flush):
            self.queued_events += item.events
            self.queued_bytes += item.size
        else:
            self.queued_events += len(item)
            self.queued_bytes += sum(map(len, item))
        self.queue.put_nowait(item)

    def taken(self, item: QueueItem) -> None:
        if isinstance(item, str):
            self.queued_events -= 1
            self.queued_bytes -= len(item)
        elif isinstance(item, Flush):
            self.queued_events -= item.events
            self.queued_bytes -= item.size
        else:
            self.queued_events -= len(item)
            self.queued_bytes -= sum(map(len, item))


def frames(texts: list[str]) -> list[str]:
    """Encoded events as JSON arrays of at most FRAME_BYTES each (an event larger than that
    alone). aiohttp deflates a frame that small on the spot; a larger one goes to a thread and
    back, several turns of the event loop (tens of ms under load) for each frame sent."""
    out: list[str] = []
    part: list[str] = []
    size = 2
    for text in texts:
        n = (len(text) if text.isascii() else len(text.encode())) + 1
        if part and size + n > FRAME_BYTES:
            out.append("[" + ",".join(part) + "]")
            part, size = [], 2
        part.append(text)
        size += n
    if part:
        out.append("[" + ",".join(part) + "]")
    return out


def pack(values: Sequence[Any]) -> list[bytes]:
    """json_value()s as JSON arrays of at most FRAME_BYTES each (an event larger than that
    alone), filled to about 90 %: each frame is sized from the bytes per event of the last."""
    out: list[bytes] = []
    i, n, step = 0, len(values), 64
    while i < n:
        k = min(step, n - i)
        frame = json_frame(values[i:i + k])
        while len(frame) > FRAME_BYTES and k > 1:
            k = max(1, k * FRAME_BYTES * 9 // (10 * len(frame)))
            frame = json_frame(values[i:i + k])
        out.append(frame)
        i += k
        step = max(1, k * FRAME_BYTES * 9 // (10 * len(frame)))
    return out


def merged(frames: list[bytes]) -> list[bytes]:
    """Neighbouring frames joined while the result stays within FRAME_BYTES (a client that
    fell behind catches up in full frames)."""
    out: list[bytes] = []
    for frame in frames:
        if out and len(out[-1]) + len(frame) - 1 <= FRAME_BYTES:
            out[-1] = out[-1][:-1] + b"," + frame[1:]
        else:
            out.append(frame)
    return out


class LiveHub:
    def __init__(self, queue_limit: int, on_drop: Callable[[], None] | None = None,
                 health: Health | None = None,
                 on_dead: Callable[[list[DeadLetter]], None] | None = None,
                 byte_limit: int = 16 * 1024 * 1024) -> None:
        self.queue_limit, self.byte_limit = queue_limit, byte_limit
        self.on_drop = on_drop
        self.health, self.on_dead = health, on_dead
        self.clients: set[LiveClient] = set()
        self.dropped_total = 0
        self.failed_total = 0  # clients whose socket failed
        self.sent_total = 0

    def publish(self, events: Sequence[Event]) -> None:
        """Called from the pipeline with each processed batch; never awaits."""
        if not self.clients or not events:
            return
        # Encoded once, and only the types some client takes (a tick can raise and clear
        # thousands of alerts that a positions-only client never sees).
        wanted: set[str] = set()
        every = False
        for client in self.clients:
            types = client.sub.types
            if client.dropped:
                continue
            if types is None:
                every = True
                break
            wanted |= types
        kinds = set(map(_TYPE, events))  # in C: a batch is mostly positions
        chosen: Sequence[Event] = events
        if not (every or kinds <= wanted):
            chosen = [e for e in events if e.TYPE in wanted]
            kinds &= wanted
        try:
            values = [json_value(e) for e in chosen]
        except Exception:  # one event that cannot be encoded must not cost the others
            chosen, values = self._encode_each(chosen)
        # Batch-mode clients by subscription; the others take events one by one.
        groups: dict[tuple[frozenset[str] | None, frozenset[str] | None],
                     list[LiveClient]] = {}
        singles = False
        for client in self.clients:
            sub = client.sub
            if client.dropped:
                continue
            if sub.batch and client.scope.department is None:
                groups.setdefault((sub.types, sub.grids), []).append(client)
            else:
                singles = True
        if singles:
            self.publish_encoded([(e.TYPE, e.grid, json_of(v))
                                  for e, v in zip(chosen, values, strict=True)],
                                 batch_too=False)
        for (types, grids), clients in groups.items():
            if grids is None and (types is None or kinds <= types):
                picked = values
            else:  # the filter of publish_encoded
                picked = [v for e, v in zip(chosen, values, strict=True)
                          if (types is None or e.TYPE in types)
                          and (grids is None or e.grid is None or e.grid in grids)]
            if not picked:
                continue
            frames_ = pack(picked)
            flush = Flush(frames_, len(picked), sum(map(len, frames_)))
            for client in clients:
                self._put(client, flush)

    def _encode_each(self, events: Sequence[Event]) -> tuple[list[Event], list[Any]]:
        """The events that can be encoded and their json_value(); the others dead-lettered."""
        kept: list[Event] = []
        out: list[Any] = []
        dead: list[DeadLetter] = []
        for e in events:
            try:
                out.append(json_value(e))
                kept.append(e)
            except Exception as exc:
                dead.append(letter_for("live", "encode", exc,
                                       {"type": e.TYPE, "event": repr(e)[:4000]}))
        log.error("live: %d event(s) could not be encoded; dead-lettered", len(dead))
        if self.on_dead is not None:
            self.on_dead(dead)
        return kept, out

    def publish_encoded(self, encoded: Sequence[tuple[str, str | None, str]],
                        batch_too: bool = True) -> None:
        """Events already encoded elsewhere (the case loop): (type, grid, JSON text).
        batch_too=False: not to the batch-mode clients publish() serves itself."""
        if not self.clients or not encoded:
            return
        for client in list(self.clients):
            if client.dropped:
                continue
            if not batch_too and client.sub.batch and client.scope.department is None:
                continue
            sub = client.sub
            types, grids = sub.types, sub.grids
            if types is None and grids is None:
                chosen = [text for _, _, text in encoded]
            else:
                chosen = [text for type_, grid, text in encoded
                          if (types is None or type_ in types)
                          and (grids is None or grid is None or grid in grids)]
            if client.scope.department is not None:
                chosen = [text for text in chosen if client.scope.shows(text)]
            if not chosen:
                continue
            # sub.wants(type_, grid) above: events without a grid (a device outside every
            # grid) go to grid subscribers too, they are what a grid's supervisor must not miss.
            if sub.batch:
                self._put(client, chosen)
            else:
                for text in chosen:
                    if not self._put(client, text):
                        break

    def _put(self, client: LiveClient, text: QueueItem) -> bool:
        if (client.queued_events >= client.queue_limit
                or client.queued_bytes >= client.byte_limit):
            self._drop(client)
            return False
        client.push(text)
        return True

    def _drop(self, client: LiveClient) -> None:
        client.dropped = True
        self.dropped_total += 1
        if self.on_drop is not None:
            self.on_drop()
        behind = f"{client.queued_events} events ({client.queued_bytes} bytes)"
        log.warning("live client fell %s behind; dropping it", behind)
        # Tell it why, ahead of its backlog, then stop its sender.
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queued_events = client.queued_bytes = 0
        client.push(orjson.dumps({"type": "error", "error": f"too slow: fell {behind} "
                                  "behind, disconnected"}).decode())
        client.queue.put_nowait(None)

    async def serve(self, request: web.Request, max_msg: int,
                    scope: Scope = EVERYTHING) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=max_msg)
        await ws.prepare(request)
        client = LiveClient(ws, self.queue_limit, self.byte_limit, scope=scope)
        client.sub = scope.narrow(client.sub)
        self.clients.add(client)
        sender = asyncio.create_task(self._send_loop(client))
        try:
            async for msg in ws:
                if msg.type != web.WSMsgType.TEXT:
                    continue
                try:
                    try:
                        message = orjson.loads(msg.data)
                    except orjson.JSONDecodeError:
                        raise ValueError("not JSON: expected {\"subscribe\": {...}}") from None
                    client.sub = client.scope.narrow(parse_subscription(message))
                except ValueError as exc:
                    client.push(orjson.dumps({"type": "error", "error": str(exc)}).decode())
                    continue
                client.push(orjson.dumps({"type": "subscribed", "grids": sorted(
                    client.sub.grids) if client.sub.grids is not None else None, "types": sorted(
                    client.sub.types) if client.sub.types is not None else None,
                    "batch": client.sub.batch}).decode())
        finally:
            self.clients.discard(client)
            client.queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        return ws

    async def _send_loop(self, client: LiveClient) -> None:
        ws, queue = client.ws, client.queue
        ahead: list[QueueItem | None] = []  # taken from the queue, not sent yet
        try:
            while True:
                if ahead:
                    item = ahead.pop()
                else:
                    item = await queue.get()
                    if item is not None:
                        client.taken(item)
                if item is None:
                    break
                if isinstance(item, str):
                    await ws.send_str(item)
                    self.sent_total += 1
                    continue
                # Flushes waiting behind this one go out with it: a client that fell behind
                # catches up at once instead of its backlog queueing up frame after frame.
                out = [item]
                while not queue.empty():
                    more = queue.get_nowait()
                    if more is not None:
                        client.taken(more)
                    if more is None or isinstance(more, str):
                        ahead.append(more)
                        break
                    out.append(more)
                for frame in merged([f for part in out for f in (
                        part.frames if isinstance(part, Flush)
                        else [text.encode() for text in frames(part)])]):
                    await ws.send_frame(frame, web.WSMsgType.TEXT)
                    self.sent_total += 1
        except (ConnectionResetError, RuntimeError):
            pass  # the client went away
        except Exception as exc:  # its socket failed otherwise: it goes, the others go on
            self._failed(client, exc)
        finally:
            with contextlib.suppress(Exception):
                if client.dropped:
                    await ws.close(code=CLOSE_TOO_SLOW, message=b"too slow")
                elif not ws.closed:
                    await ws.close(code=WSCloseCode.GOING_AWAY,
                                   message=b"server shutting down")

    def _failed(self, client: LiveClient, exc: Exception) -> None:
        log.error("live client failed (%s: %s); dropping it", type(exc).__name__, exc)
        client.dropped = True
        self.clients.discard(client)
        self.failed_total += 1
        if self.health is not None:
            self.health.failed("live", "send", type(exc).__name__,
                               f"a client's socket failed ({type(exc).__name__}: {exc}); "
                               "dropped")

    async def close_all(self) -> None:
        for client in list(self.clients):
            client.queue.put_nowait(None)
