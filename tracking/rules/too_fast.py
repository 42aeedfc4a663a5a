"""too_fast: an inspector moved faster than `too_fast_kmh` for `too_fast_s` (riding a vehicle).

Speed is never taken between two fixes: at 1 Hz, 8 m of GPS noise between two fixes reads as
40 km/h. Fixes are gathered in blocks of about `span_s` (a block closes when a fix comes more
than half a span after the block's mean time) and speed is the distance between consecutive
block centroids over the time between their mean times. For a steady mover that is exactly its
speed; noise shrinks by the square root of the fixes in a block (8 m → 1.8 m at 1 Hz) and a
GPS jump of one fix moves a 20-fix centroid by a twentieth of the jump. With sparse reporting a
block is a single fix and the measure falls back to plain displacement over the gap.

A *run* of consecutive measurements that all disagree with the current condition (fast while no
alert is open, slow while one is) flips it once it covers `too_fast_s` and holds at least
`min_spans` measurements. Device-reported speed is not used: handsets report 0, stale or
made-up figures, and a displacement is what the alert is about. Vehicles are not checked.
"""

from __future__ import annotations

import logging
import math

import msgspec

from config.patrol import AlertConfig
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.wording import duration, message, who

log = logging.getLogger(__name__)


class _Motion:
    __slots__ = ("n", "open", "pt", "px", "py", "run_m", "run_since", "run_spans", "st", "sx",
                 "sy")

    def __init__(self, ts: float, x: float, y: float) -> None:
        self.sx = x  # sums over the block being filled
        self.sy = y
        self.st = ts
        self.n = 1
        self.pt: float | None = None  # mean time of the previous block, None before the first
        self.px = 0.0  # its centroid
        self.py = 0.0
        self.run_since: float | None = None  # start of the run of measurements towards a flip
        self.run_m = 0.0  # metres the run covered
        self.run_spans = 0
        self.open = False


class MotionData(msgspec.Struct, tag="too_fast", array_like=True, frozen=True):
    """_Motion exported (tracking/export/)."""

    sx: float
    sy: float
    st: float
    n: int
    pt: float | None
    px: float
    py: float
    run_since: float | None
    run_m: float
    run_spans: int
    open: bool


class TooFast:
    type = "too_fast"

    def __init__(self, cfg: AlertConfig, *, span_s: float = 20.0, min_spans: int = 3) -> None:
        self.kmh = cfg.too_fast_kmh
        self.limit_ms = cfg.too_fast_kmh / 3.6
        self.hold_s = cfg.too_fast_s
        self.half_span_s = span_s / 2.0
        self.min_spans = min_spans

    def new_state(self) -> _Motion | None:
        return None

    def export_state(self, state: _Motion | None) -> MotionData | None:
        if state is None:
            return None
        return MotionData(state.sx, state.sy, state.st, state.n, state.pt, state.px, state.py,
                           state.run_since, state.run_m, state.run_spans, state.open)

    def import_state(self, data: object) -> _Motion | None:
        if data is None:
            return None
        if not isinstance(data, MotionData):
            raise TypeError(f"too_fast: not a state of this rule: {data!r}")
        m = _Motion(data.st, data.sx, data.sy)
        m.n, m.pt, m.px, m.py = data.n, data.pt, data.px, data.py
        m.run_since, m.run_m, m.run_spans, m.open = (data.run_since, data.run_m,
                                                     data.run_spans, data.open)
        return m

    def on_fix(self, state: _Motion | None, device: DeviceInfo, fix: Fix,
               book: AlertBook) -> _Motion | None:
        if device.kind != "inspector":
            return None
        ts = fix.ts
        if not fix.on_duty:
            if state is not None and state.open:
                self._clear(device, ts, book)
            return None
        if state is None:
            return _Motion(ts, fix.x, fix.y)
        n = state.n
        st = state.st
        if ts - st / n <= self.half_span_s:
            pt = state.pt
            if pt is None or ts > pt:  # a stray fix older than the last block is dropped
                state.sx += fix.x
                state.sy += fix.y
                state.st = st + ts
                state.n = n + 1
            return state
        # This fix opens a new block; the one it closes is measured against the one before.
        cx = state.sx / n
        cy = state.sy / n
        ct = st / n
        since = state.pt
        dx = cx - state.px
        dy = cy - state.py
        state.sx, state.sy, state.st, state.n = fix.x, fix.y, ts, 1
        state.px, state.py, state.pt = cx, cy, ct
        if since is None:
            return state
        dist = math.sqrt(dx * dx + dy * dy)
        if (dist > self.limit_ms * (ct - since)) == state.open:
            state.run_since = None  # this measurement agrees with the current condition
            return state
        run_since = state.run_since
        if run_since is None:
            state.run_since = run_since = since
            state.run_m = dist
            state.run_spans = 1
        else:
            state.run_m += dist
            state.run_spans += 1
        if ct - run_since >= self.hold_s and state.run_spans >= self.min_spans:
            state.run_since = None
            state.open = not state.open
            if state.open:
                self._raise(device, run_since, ct - run_since, state.run_m, fix, book)
            else:
                self._clear(device, ts, book)
        return state

    def on_tick(self, state: _Motion | None, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> _Motion | None:
        if on_duty or state is None:
            return state
        if state.open:
            self._clear(device, now, book)
        return None

    def _raise(self, device: DeviceInfo, since: float, took: float, metres: float, fix: Fix,
               book: AlertBook) -> None:
        (zh_who, en_who) = who(device)
        kmh = round(metres / took * 3.6, 1)
        (zh_for, en_for) = duration(took)
        book.raise_(
            self.type, {"device": device.id}, fix.ts, "warning",
            message(f"{zh_who} 以 {kmh:g} km/h 移动 {zh_for}（疑似乘车）",
                    f"{en_who} moved at {kmh:g} km/h for {en_for} (riding a vehicle?)"),
            {"since": since, "duration_s": took, "speed_kmh": kmh, "distance_m": round(metres, 1),
             "threshold_kmh": self.kmh, "lat": fix.lat, "lon": fix.lon},
            grid=device.grid_id)
        log.debug("too_fast raised for %s at %s (%s km/h since %s)", device.id, fix.ts, kmh,
                  since)

    def _clear(self, device: DeviceInfo, ts: float, book: AlertBook) -> None:
        book.clear(self.type, {"device": device.id}, ts, grid=device.grid_id)
        log.debug("too_fast cleared for %s at %s", device.id, ts)
