"""Timestamped fixtures for the rule tests: hand-built fixes and seeded noisy tracks."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from typing import Any

from config.patrol import AlertConfig
from model.alert import Alert
from model.events import AlertEvent, ClearedEvent
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, DeviceRule, Fix

LAT0, LON0 = 31.2304, 121.4737  # the local metric frame's origin (Shanghai)
M_PER_DEG = 111_320.0

INSPECTOR = DeviceInfo(id="p-03", kind="inspector", grids=(0,), grid_id="g-1")
VEHICLE = DeviceInfo(id="truck-07", kind="vehicle", grids=(), grid_id=None)

OPEN_0730 = 1_700_000_000.0  # a window opening, any epoch second will do
DAY_S = 11 * 3600.0  # 07:30-18:30


def alerts(**overrides: float) -> AlertConfig:
    """The alert settings with some thresholds changed (validated, as a config file would be)."""
    return AlertConfig.model_validate(overrides)


def fix(ts: float, x: float = 0.0, y: float = 0.0, *, grid: int = 0, on_duty: bool = True,
        speed: float | None = None) -> Fix:
    lat = LAT0 + y / M_PER_DEG
    lon = LON0 + x / (M_PER_DEG * math.cos(math.radians(LAT0)))
    return Fix(ts=ts, lat=lat, lon=lon, x=x, y=y, speed=speed, grid=grid, road=-1,
               on_duty=on_duty)


def stand(t0: float, seconds: float, x: float = 0.0, y: float = 0.0, *, every: float = 1.0,
          sigma: float = 0.0, rng: random.Random | None = None, grid: int = 0) -> list[Fix]:
    """A device standing at (x, y) for `seconds`, one fix every `every` s, optional noise."""
    rng = rng or random.Random(0)
    n = int(seconds / every)
    return [fix(t0 + i * every, x + rng.gauss(0.0, sigma) if sigma else x,
                y + rng.gauss(0.0, sigma) if sigma else y, grid=grid) for i in range(n)]


def follow(route: Sequence[tuple[float, float]], speed: float, t0: float, seconds: float, *,
           every: float = 1.0, sigma: float = 0.0, rng: random.Random | None = None,
           loop: bool = True) -> list[Fix]:
    """A device moving along `route` at `speed` m/s (looping back to its start), noisy fixes."""
    rng = rng or random.Random(0)
    legs = list(zip(route, [*route[1:], route[0]] if loop else route[1:], strict=False))
    lengths = [math.dist(a, b) for a, b in legs]
    total = sum(lengths)
    out: list[Fix] = []
    for i in range(int(seconds / every)):
        s = (i * every * speed) % total if loop else min(i * every * speed, total)
        for (a, b), length in zip(legs, lengths, strict=True):
            if s <= length:
                f = s / length if length else 0.0
                x, y = a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
                break
            s -= length
        else:
            x, y = legs[-1][1]
        if sigma:
            x, y = x + rng.gauss(0.0, sigma), y + rng.gauss(0.0, sigma)
        out.append(fix(t0 + i * every, x, y))
    return out


# A patrol beat of city blocks: streets with corners and a dead-end the walker turns back in.
BEAT = [(0.0, 0.0), (420.0, 0.0), (420.0, 310.0), (180.0, 310.0), (180.0, 520.0),
        (180.0, 310.0), (0.0, 310.0)]


class Runner:
    """One rule and one device, driven the way the engine drives them."""

    def __init__(self, rule: DeviceRule, device: DeviceInfo = INSPECTOR) -> None:
        self.rule = rule
        self.device = device
        self.book = AlertBook()
        self.state: Any = rule.new_state()

    def fix(self, f: Fix) -> None:
        self.state = self.rule.on_fix(self.state, self.device, f, self.book)

    def tick(self, now: float, on_duty: bool = True) -> None:
        self.state = self.rule.on_tick(self.state, self.device, now, on_duty, self.book)

    def feed(self, fixes: Iterable[Fix], tick_every: float | None = None) -> None:
        """Fixes in order; with tick_every, clock ticks (data clock) fall between them."""
        next_tick: float | None = None
        for f in fixes:
            if tick_every is not None:
                next_tick = f.ts if next_tick is None else next_tick
                while next_tick <= f.ts:
                    self.tick(next_tick, f.on_duty)
                    next_tick += tick_every
            self.fix(f)

    def ticks(self, start: float, end: float, every: float = 1.0, on_duty: bool = True) -> None:
        t = start
        while t <= end:
            self.tick(t, on_duty)
            t += every

    @property
    def raised(self) -> list[Alert]:
        return [e.alert for e in self.book.events if isinstance(e, AlertEvent)]

    @property
    def cleared(self) -> list[Alert]:
        return [e.alert for e in self.book.events if isinstance(e, ClearedEvent)]

    def events(self) -> list[tuple[str, str, float]]:
        """("alert" | "cleared", type, ts) in emission order."""
        out = []
        for e in self.book.events:
            if isinstance(e, AlertEvent):
                out.append(("alert", e.alert.type, e.alert.ts))
            else:
                assert e.alert.cleared_ts is not None
                out.append(("cleared", e.alert.type, e.alert.cleared_ts))
        return out

