"""off_grid: a device assigned to grids stayed outside all of them for `off_grid_s`.

An excursion starts at the first fix outside every assigned grid. Near a border GPS noise flips
fixes in and out, so the way back is banked, not switched: each outside second adds to a credit
(capped at `confirm_s`), each inside second takes from it, and the excursion ends when the
credit is spent. One noisy fix outside is undone by the next fix inside; a handful of noisy
fixes inside cannot end a long excursion nor clear its alert, while a return that holds for
`confirm_s` does. No step counts for more than `confirm_s / 3`, so a single fix after a long
silence cannot decide it alone. A device inside its grids holds no state at all.
"""

from __future__ import annotations

import logging

import msgspec

from config.patrol import AlertConfig
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.wording import duration, message, who

log = logging.getLogger(__name__)


class _Excursion:
    __slots__ = ("credit", "last", "open", "since")

    def __init__(self, ts: float) -> None:
        self.since = ts  # first fix outside
        self.last = ts  # newest fix seen
        self.credit = 0.0  # banked outside seconds, 0..confirm_s
        self.open = False


class ExcursionData(msgspec.Struct, tag="off_grid", array_like=True, frozen=True):
    """_Excursion exported (tracking/export/)."""

    since: float
    last: float
    credit: float
    open: bool


class OffGrid:
    type = "off_grid"

    def __init__(self, cfg: AlertConfig, *, confirm_s: float = 30.0) -> None:
        self.limit_s = cfg.off_grid_s
        self.confirm_s = confirm_s
        self.step_s = confirm_s / 3.0

    def new_state(self) -> _Excursion | None:
        return None

    def export_state(self, state: _Excursion | None) -> ExcursionData | None:
        if state is None:
            return None
        return ExcursionData(state.since, state.last, state.credit, state.open)

    def import_state(self, data: object) -> _Excursion | None:
        if data is None:
            return None
        if not isinstance(data, ExcursionData):
            raise TypeError(f"off_grid: not a state of this rule: {data!r}")
        away = _Excursion(data.since)
        away.last, away.credit, away.open = data.last, data.credit, data.open
        return away

    def on_fix(self, state: _Excursion | None, device: DeviceInfo, fix: Fix,
               book: AlertBook) -> _Excursion | None:
        grids = device.grids
        ts = fix.ts
        if not fix.on_duty or not grids:
            if state is not None and state.open:
                self._clear(device, ts, book)
            return None
        inside = fix.grid in grids
        if state is None:
            return None if inside else _Excursion(ts)
        dt = ts - state.last
        if dt > 0.0:
            state.last = ts
            if dt > self.step_s:
                dt = self.step_s
        else:
            dt = 0.0  # a stray older fix still counts as evidence, but for no time
        if inside:
            credit = state.credit - dt
            if credit > 0.0:
                state.credit = credit
                return state
            if state.open:
                self._clear(device, ts, book)
            return None
        credit = state.credit + dt
        state.credit = credit if credit < self.confirm_s else self.confirm_s
        if not state.open and ts - state.since >= self.limit_s:
            state.open = True
            self._raise(device, state, fix, book)
        return state

    def on_tick(self, state: _Excursion | None, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> _Excursion | None:
        if on_duty or state is None:
            return state
        if state.open:
            self._clear(device, now, book)
        return None

    def _raise(self, device: DeviceInfo, away: _Excursion, fix: Fix, book: AlertBook) -> None:
        (zh_who, en_who) = who(device)
        outside = fix.ts - away.since
        (zh_for, en_for) = duration(outside)
        book.raise_(
            self.type, {"device": device.id}, fix.ts, "warning",
            message(f"{zh_who} 已离开责任网格 {zh_for}",
                    f"{en_who} has been outside its grids for {en_for}"),
            {"since": away.since, "duration_s": outside, "lat": fix.lat, "lon": fix.lon,
             "grid": device.grid_id},
            grid=device.grid_id)
        log.debug("off_grid raised for %s at %s (outside since %s)", device.id, fix.ts,
                  away.since)

    def _clear(self, device: DeviceInfo, ts: float, book: AlertBook) -> None:
        book.clear(self.type, {"device": device.id}, ts, grid=device.grid_id)
        log.debug("off_grid cleared for %s at %s", device.id, ts)
