"""What the JSON gateways hand accepted positions to (the in-process pipeline or Redis)."""

from __future__ import annotations

from typing import Protocol

from model.position import Position


class PositionSink(Protocol):
    def known(self, device: str) -> bool:
        """Whether positions of this device are accepted."""

    async def submit(self, positions: list[Position]) -> None:
        """Take accepted positions; waits (back-pressure) rather than drop them."""


class SinkUnavailable(Exception):
    """The sink cannot take positions now (e.g. Redis is down): nothing was taken, the device
    is told to retry (HTTP 503, a WebSocket error answer), never silently dropped."""
