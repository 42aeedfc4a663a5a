"""What the server and its case-loop child (cases/apart.py, cases/child.py) say to each other
over their link WebSocket: typed messages, msgspec JSON (never pickle: a message is data, and
a bad one is refused, not run).

server -> child: Clock (the server's time, data or wall), Spill (a spill alert to open a
case from), Answer (to a Query).
child -> server: Live (case events for the page's /ws/live), SpillDone (the case exists:
forget the alert), Query (what the patrol side knows: a track, a road's passes, alerts)."""

from __future__ import annotations

from typing import Any

import msgspec


class Clock(msgspec.Struct, tag="clock", frozen=True):
    now: float


class Spill(msgspec.Struct, tag="spill", frozen=True):
    alert: dict[str, Any]  # Alert.to_json()


class SpillDone(msgspec.Struct, tag="spill_done", frozen=True):
    alert_id: str
    ok: bool  # False: no case can be opened from it (the reason is in the child's log)


class Live(msgspec.Struct, tag="live", frozen=True):
    events: list[tuple[str, str | None, str]]  # (type, grid, JSON text): hub.publish_encoded


# The patrol queries a child may ask (web/api.py Queries); nothing else is answered.
QUERIES = frozenset({"track", "road_passes", "alerts"})


class Query(msgspec.Struct, tag="query", frozen=True):
    id: int
    name: str
    args: list[Any]


class Answer(msgspec.Struct, tag="answer", frozen=True):
    id: int
    value: Any = None
    error: str | None = None  # "KeyError" / "ValueError" (re-raised as such), else "other"
    message: str = ""


Message = Clock | Spill | SpillDone | Live | Query | Answer
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Message)

# Headers of the server's requests to the child: the link's secret (the child answers nobody
# else) and the server's clock at the moment it forwarded the request.
LINK_HEADER = "X-Gridwatch-Link"
CLOCK_HEADER = "X-Gridwatch-Clock"


def encode(message: Message) -> bytes:
    return _encoder.encode(message)


def decode(data: bytes | str) -> Message:
    """The message, or msgspec.ValidationError / DecodeError for anything else."""
    return _decoder.decode(data)
