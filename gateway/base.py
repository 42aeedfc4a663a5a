"""What every device gateway shares (JSON over HTTP and WebSocket, OsmAnd, JT/T 808, camera
push): its counters on /metrics, the GCJ-02/BD-09 converter, the device-id rule and the
time-sanity rule, and handing positions on only once they pass all of them.

A gateway answers a device "taken" only for positions the tracker will keep: the id rule
(model/deviceid.py), the time rule (model/timewindow.py) and the registry (`known`) are
checked here, before the journal or Redis, with the same answers the tracker would give.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence

from msgspec.structs import replace

from gateway.listener import Known, Sink
from metrics.registry import Metrics
from model.clock import WallClock
from model.deviceid import BadDeviceId, normalise_device_id
from model.position import Position
from model.timewindow import TimeWindow

Convert = Callable[[list[Position]], list[Position]]


def same(positions: list[Position]) -> list[Position]:
    return positions


class GatewayBase:
    """Counters of one gateway, kept here and exported on /metrics."""

    def __init__(self, transport: str, metrics: Metrics | None = None) -> None:
        self.transport = transport
        self.metrics = metrics if metrics is not None else Metrics()
        # This gateway's own counters (also on /metrics as gridwatch_gateway_events_total).
        self.counts: collections.Counter[str] = collections.Counter()
        self._events = self.metrics.gateway_events

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] += n
            self._events.labels(self.transport, what).inc(n)


class PositionGateway(GatewayBase):
    """A gateway for positions: the checks and the hand-over every protocol shares."""

    def __init__(self, transport: str, submit: Sink, known: Known,
                 metrics: Metrics | None = None, convert: Convert | None = None,
                 window: TimeWindow | None = None) -> None:
        super().__init__(transport, metrics)
        self.submit, self.known = submit, known
        self.convert: Convert = convert if convert is not None else same
        self.window = window if window is not None else TimeWindow(WallClock(), 300.0, 7)

    def screen(self, positions: Sequence[Position]) -> tuple[list[Position],
                                                             list[tuple[int, str]]]:
        """Positions that pass the id and time rules (ids in their normal form), and
        (index, reason) for the others; the registry is asked by the caller."""
        bounds = self.window.bounds()
        good: list[Position] = []
        refused: list[tuple[int, str]] = []
        for i, pos in enumerate(positions):
            reason = self.window.refusal(pos.ts, bounds)
            if reason is None:
                try:
                    device = normalise_device_id(pos.device)
                except BadDeviceId as exc:
                    reason = str(exc)
                else:
                    good.append(pos if device == pos.device else replace(pos, device=device))
                    continue
            refused.append((i, reason))
        if refused:
            self.refused(len(refused))
        return good, refused

    def refused(self, n: int) -> None:
        self.metrics.positions_rejected.labels(self.transport).inc(n)
        self.count("positions_refused", n)

    async def take(self, positions: list[Position]) -> None:
        """Convert to WGS-84 and hand on; returns once taken (raises when not taken)."""
        if not positions:
            return
        await self.submit(self.convert(positions))
        self.metrics.positions_received.labels(self.transport).inc(len(positions))
        self.count("positions", len(positions))
