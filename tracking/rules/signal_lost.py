"""signal_lost: an on-duty device has sent nothing for `signal_lost_s` (docs/contract.md §3).

The per-device state is a single reference time, the later of the last fix and the moment the
device came on duty, so an assigned inspector who never reports is caught `signal_lost_s` after
the window opens. It is None while off duty and a small _Open record while the alert is open:
one float per device in the common case.
"""

from __future__ import annotations

import logging

import msgspec

from config.patrol import AlertConfig
from tracking.alerts import AlertBook
from tracking.rules.base import DeviceInfo, Fix
from tracking.rules.wording import duration, message, who

log = logging.getLogger(__name__)


class _Open:
    """State while the alert is open: the reference time the silence is counted from."""

    __slots__ = ("since",)

    def __init__(self, since: float) -> None:
        self.since = since


State = float | _Open | None


class SilenceData(msgspec.Struct, tag="signal_lost", array_like=True, frozen=True):
    """_Open exported (tracking/export/): the alert is open, silent since `since`."""

    since: float


Exported = float | SilenceData | None


class SignalLost:
    type = "signal_lost"

    def __init__(self, cfg: AlertConfig) -> None:
        self.limit_s = cfg.signal_lost_s
        self._for = duration(self.limit_s)

    def new_state(self) -> State:
        return None

    def export_state(self, state: State) -> Exported:
        return SilenceData(state.since) if isinstance(state, _Open) else state

    def import_state(self, data: object) -> State:
        if isinstance(data, SilenceData):
            return _Open(data.since)
        if data is None or isinstance(data, float):
            return data
        raise TypeError(f"signal_lost: not a state of this rule: {data!r}")

    def on_fix(self, state: State, device: DeviceInfo, fix: Fix, book: AlertBook) -> State:
        ts = fix.ts
        if not fix.on_duty:
            if isinstance(state, _Open):
                self._clear(device, ts, book)
            return None
        if state is None:
            return ts
        if isinstance(state, _Open):
            if ts <= state.since:
                return state  # a resent or older fix is no sign of life after the silence
            self._clear(device, ts, book)
            return ts
        if ts - state >= self.limit_s:
            # The silence fell between two fixes with no tick in it (a replay fed faster than
            # the ticks, a sparse tick): record it anyway so every replay matches a live run.
            self._raise(device, state, book)
            self._clear(device, ts, book)
            return ts
        return ts if ts > state else state

    def on_tick(self, state: State, device: DeviceInfo, now: float, on_duty: bool,
                book: AlertBook) -> State:
        if state is not None and not isinstance(state, _Open) and now - state >= self.limit_s:
            # Judged before the duty change: at the close, a silence that reached the limit
            # before it is still reported, as a tick in time would have.
            self._raise(device, state, book)
            state = _Open(state)
        if not on_duty:
            if isinstance(state, _Open):
                self._clear(device, now, book)
            return None
        if state is None:
            return now  # came on duty (the engine ticks at the opening): counted from here
        return state

    def _raise(self, device: DeviceInfo, since: float, book: AlertBook) -> None:
        (zh_who, en_who), (zh_for, en_for) = who(device), self._for
        ts = since + self.limit_s
        book.raise_(
            self.type, {"device": device.id}, ts, "warning",
            message(f"{zh_who} 已 {zh_for}无信号", f"no signal from {en_who} for {en_for}"),
            {"since": since, "silent_s": self.limit_s}, grid=device.grid_id)
        log.debug("signal_lost raised for %s at %s (silent since %s)", device.id, ts, since)

    def _clear(self, device: DeviceInfo, ts: float, book: AlertBook) -> None:
        book.clear(self.type, {"device": device.id}, ts, grid=device.grid_id)
        log.debug("signal_lost cleared for %s at %s", device.id, ts)
