"""Shared checks for every fix a gateway decodes."""

from __future__ import annotations

import math

from model.position import Position

TS_MIN = 946_684_800.0 - 14 * 3600  # 2000-01-01 00:00 in the easternmost zone
TS_MAX = 4_102_444_800.0  # 2100-01-01: BCD years stop at 2099


def assert_sane_position(pos: Position) -> None:
    """Finite, in range, plausibly timed: what tracking may rely on for any gateway's output."""
    assert isinstance(pos.device, str) and pos.device.strip(), pos
    for name in ("ts", "lat", "lon"):
        assert math.isfinite(getattr(pos, name)), (name, pos)
    assert -90.0 <= pos.lat <= 90.0, pos
    assert -180.0 <= pos.lon <= 180.0, pos
    assert TS_MIN <= pos.ts < TS_MAX, pos
    if pos.speed is not None:
        assert math.isfinite(pos.speed) and 0.0 <= pos.speed <= 500.0, pos
    if pos.heading is not None:
        assert math.isfinite(pos.heading) and 0.0 <= pos.heading < 360.0, pos
    if pos.acc is not None:
        assert math.isfinite(pos.acc) and pos.acc >= 0.0, pos
    assert pos.attrs.get("protocol") in ("jt808", "osmand"), pos
