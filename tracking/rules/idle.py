"""idle: an on-duty device stayed within `idle_radius_m` for `idle_s` (docs/contract.md §3).

A *stay* is anchored on the running centroid of its fixes, not on its first fix: with GPS noise
of σ 5-10 m a standing phone scatters around its true place, and the centroid settles on that
place within a few fixes. A fix beyond the radius does not end the stay by itself (one fix in
twenty of a standing phone lands there at σ 8 m), and a phone's error is correlated over tens
of seconds, so a standing phone's fixes can sit just beyond the radius for a minute or two. The
stay therefore ends when the device has been outside for `leave_s` and is now beyond
`far` x radius (where noise does not reach), or has been outside for `long_leave_s` whatever the
distance; outside fixes never pull the anchor. A walker at 1 m/s is beyond 1.5 x 20 m within
about 30 s, so a stay never grows old. The alert is raised on a fix inside the radius, once the
stay is `idle_s` old, and cleared at the first fix of the run outside that ended the stay.
"""

from __future__ import annotations

import logging

import msgspec

from config.patrol import AlertConfig
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.wording import duration, message, who

log = logging.getLogger(__name__)


class _Stay:
    __slots__ = ("cx", "cy", "n", "open", "out_since", "since")

    def __init__(self, x: float, y: float, ts: float) -> None:
        self.cx = x  # centroid of the stay's inside fixes (local metres)
        self.cy = y
        self.n = 1  # fixes in the centroid
        self.since = ts  # when the stay began
        self.out_since: float | None = None  # first fix of the current run outside the radius
        self.open = False  # idle alert raised for this stay

    def restart(self, x: float, y: float, ts: float) -> None:
        self.cx, self.cy, self.n, self.since, self.out_since, self.open = x, y, 1, ts, None, False


class StayData(msgspec.Struct, tag="idle", array_like=True, frozen=True):
    """_Stay exported (tracking/export/)."""

    cx: float
    cy: float
    n: int
    since: float
    out_since: float | None
    open: bool


class Idle:
    type = "idle"

    def __init__(self, cfg: AlertConfig, *, leave_s: float = 20.0, far: float = 1.5,
                 long_leave_s: float = 180.0) -> None:
        self.radius_m = cfg.idle_radius_m
        self.r2 = cfg.idle_radius_m ** 2
        self.far2 = (far * cfg.idle_radius_m) ** 2
        self.idle_s = cfg.idle_s
        self.leave_s = leave_s  # time outside the radius that ends a stay, if now far off
        self.long_leave_s = long_leave_s  # time outside the radius that ends it regardless

    def new_state(self) -> _Stay | None:
        return None

    def export_state(self, state: _Stay | None) -> StayData | None:
        if state is None:
            return None
        return StayData(state.cx, state.cy, state.n, state.since, state.out_since, state.open)

    def import_state(self, data: object) -> _Stay | None:
        if data is None:
            return None
        if not isinstance(data, StayData):
            raise TypeError(f"idle: not a state of this rule: {data!r}")
        stay = _Stay(data.cx, data.cy, data.since)
        stay.n, stay.out_since, stay.open = data.n, data.out_since, data.open
        return stay

    def on_fix(self, state: _Stay | None, device: DeviceInfo, fix: Fix,
               book: AlertBook) -> _Stay | None:
        ts = fix.ts
        if not fix.on_duty:
            if state is not None and state.open:
                self._clear(device, ts, book)
            return None
        if state is None:
            return _Stay(fix.x, fix.y, ts)
        dx = fix.x - state.cx
        dy = fix.y - state.cy
        d2 = dx * dx + dy * dy
        if d2 <= self.r2:
            state.out_since = None
            n = state.n + 1
            state.n = n
            state.cx += dx / n
            state.cy += dy / n
            if not state.open and ts - state.since >= self.idle_s:
                state.open = True
                self._raise(device, state, fix, book)
            return state
        out_since = state.out_since
        if out_since is None:
            state.out_since = ts
            return state
        away = ts - out_since
        if (away >= self.leave_s and d2 > self.far2) or away >= self.long_leave_s:
            if state.open:
                self._clear(device, out_since, book)  # it left when the run outside began
            state.restart(fix.x, fix.y, ts)
        return state

    def on_tick(self, state: _Stay | None, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> _Stay | None:
        if on_duty or state is None:
            return state  # a stay is judged on fixes only: silence is signal_lost's business
        if state.open:
            self._clear(device, now, book)
        return None

    def _raise(self, device: DeviceInfo, stay: _Stay, fix: Fix, book: AlertBook) -> None:
        (zh_who, en_who) = who(device)
        stayed = fix.ts - stay.since
        (zh_for, en_for) = duration(stayed)
        r = f"{self.radius_m:g}"
        book.raise_(
            self.type, {"device": device.id}, fix.ts, "info",
            message(f"{zh_who} 已在 {r} 米范围内停留 {zh_for}",
                    f"{en_who} has stayed within {r} m for {en_for}"),
            {"since": stay.since, "duration_s": stayed, "lat": fix.lat, "lon": fix.lon,
             "radius_m": self.radius_m, "fixes": stay.n},
            grid=device.grid_id)
        log.debug("idle raised for %s at %s (since %s)", device.id, fix.ts, stay.since)

    def _clear(self, device: DeviceInfo, ts: float, book: AlertBook) -> None:
        book.clear(self.type, {"device": device.id}, ts, grid=device.grid_id)
        log.debug("idle cleared for %s at %s", device.id, ts)
