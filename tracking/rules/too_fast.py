"""too_fast: an inspector moved faster than `too_fast_kmh` for `too_fast_s` (riding a vehicle).

Speed is measured as displacement over spans of at least `span_s` (20 s), never between two
consecutive fixes: at 1 Hz, 8 m of GPS noise between two fixes reads as 40 km/h, while over 20 s
a walker's noise stays an order of magnitude under the 139 m that 25 km/h needs. A *run* of
consecutive spans that all disagree with the current condition (fast while no alert is open,
slow while one is) flips it once it lasts `too_fast_s` and holds at least `min_spans` spans,
so one GPS jump (which spoils the span into it and the span out of it) can never raise the
alert alone. Device-reported speed is not used: handsets report 0, stale or Doppler figures
indoors, and a displacement is what the alert is about. Vehicles are not checked.
"""

from __future__ import annotations

import logging
import math

from config.patrol import AlertConfig
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.wording import duration, message, who

log = logging.getLogger(__name__)


class _Motion:
    __slots__ = ("open", "run_m", "run_since", "run_spans", "t", "x", "y")

    def __init__(self, ts: float, x: float, y: float) -> None:
        self.t = ts  # start of the span being measured
        self.x = x
        self.y = y
        self.run_since: float | None = None  # start of the run towards a flip
        self.run_m = 0.0  # metres covered by the run's spans
        self.run_spans = 0
        self.open = False


class TooFast:
    type = "too_fast"

    def __init__(self, cfg: AlertConfig, *, span_s: float = 20.0, min_spans: int = 3) -> None:
        self.kmh = cfg.too_fast_kmh
        self.limit_ms = cfg.too_fast_kmh / 3.6
        self.hold_s = cfg.too_fast_s
        self.span_s = span_s
        self.min_spans = min_spans

    def new_state(self) -> _Motion | None:
        return None

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
        start = state.t
        span = ts - start
        if span < self.span_s:
            return state  # also drops a stray older fix
        x = fix.x
        y = fix.y
        dist = math.sqrt((x - state.x) ** 2 + (y - state.y) ** 2)
        state.t, state.x, state.y = ts, x, y
        if (dist > self.limit_ms * span) == state.open:
            state.run_since = None  # this span agrees with the current condition
            return state
        since = state.run_since
        if since is None:
            since = state.run_since = start
            state.run_m = dist
            state.run_spans = 1
        else:
            state.run_m += dist
            state.run_spans += 1
        if ts - since >= self.hold_s and state.run_spans >= self.min_spans:
            state.run_since = None
            if state.open:
                state.open = False
                self._clear(device, ts, book)
            else:
                state.open = True
                self._raise(device, since, ts, state.run_m, fix, book)
        return state

    def on_tick(self, state: _Motion | None, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> _Motion | None:
        if on_duty or state is None:
            return state
        if state.open:
            self._clear(device, now, book)
        return None

    def _raise(self, device: DeviceInfo, since: float, ts: float, metres: float, fix: Fix,
               book: AlertBook) -> None:
        (zh_who, en_who) = who(device)
        took = ts - since
        kmh = round(metres / took * 3.6, 1)
        (zh_for, en_for) = duration(took)
        book.raise_(
            self.type, {"device": device.id}, ts, "warning",
            message(f"{zh_who} 以 {kmh:g} km/h 移动 {zh_for}（疑似乘车）",
                    f"{en_who} moved at {kmh:g} km/h for {en_for} (riding a vehicle?)"),
            {"since": since, "duration_s": took, "speed_kmh": kmh, "distance_m": round(metres, 1),
             "threshold_kmh": self.kmh, "lat": fix.lat, "lon": fix.lon},
            grid=device.grid_id)
        log.debug("too_fast raised for %s at %s (%s km/h since %s)", device.id, ts, kmh, since)

    def _clear(self, device: DeviceInfo, ts: float, book: AlertBook) -> None:
        book.clear(self.type, {"device": device.id}, ts, grid=device.grid_id)
        log.debug("too_fast cleared for %s at %s", device.id, ts)
