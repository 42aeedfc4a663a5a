"""Which devices gridwatch knows: inspectors named in the grids, extra ids from the config, and
(optionally) any id that reports, registered on first sight (osmand/jt808 `auto_register`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tracking.rules.base import DeviceInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from config.server import DevicesSection
    from geofence.index import CityIndex
    from geofence.model import Grid

log = logging.getLogger(__name__)

KINDS = ("inspector", "vehicle")


class DeviceRegistry:
    def __init__(self, grids: Sequence[Grid], extra: Mapping[str, str] | None = None,
                 auto_register: bool = False, auto_kind: str = "inspector",
                 accept: Callable[[str], bool] | None = None) -> None:
        """grids: CityIndex.grids (their order gives the grid indexes); extra: id -> kind;
        accept: only devices it accepts are known (a tracker's partition of the devices)."""
        self.accept = accept
        if auto_kind not in KINDS:
            raise ValueError(f"auto_kind must be one of {KINDS}, not {auto_kind!r}")
        self.auto_register = auto_register
        self.auto_kind = auto_kind
        self._grid_ids = [g.id for g in grids]
        self._devices: dict[str, DeviceInfo] = {}
        assigned: dict[str, list[int]] = {}
        for gi, grid in enumerate(grids):
            for dev in grid.inspectors:
                assigned.setdefault(dev, []).append(gi)
        for dev, idx in assigned.items():
            if accept is not None and not accept(dev):
                continue
            self._devices[dev] = DeviceInfo(dev, "inspector", tuple(idx), self._grid_ids[idx[0]])
        for dev, kind in (extra or {}).items():
            if dev not in self._devices and (accept is None or accept(dev)):
                self.register(dev, kind)

    @classmethod
    def from_config(cls, index: CityIndex, section: DevicesSection,
                    terminals: Iterable[str] = (),
                    accept: Callable[[str], bool] | None = None) -> DeviceRegistry:
        """Grids' inspectors, [devices] inspectors and vehicles, and the JT/T 808 terminals'
        device ids (vehicle terminals: vehicles, unless already known as inspectors)."""
        extra = dict.fromkeys(section.inspectors, "inspector")
        for dev in (*section.vehicles, *terminals):
            extra.setdefault(dev, "vehicle")
        return cls(index.grids, extra, section.auto_register, section.auto_kind, accept)

    def register(self, device: str, kind: str = "inspector",
                 grids: Sequence[int] = ()) -> DeviceInfo:
        """Add (or replace) a device; grids are indexes into CityIndex.grids."""
        if kind not in KINDS:
            raise ValueError(f"device {device!r}: kind must be one of {KINDS}, not {kind!r}")
        if not device:
            raise ValueError("device id must not be empty")
        info = DeviceInfo(device, kind, tuple(grids),
                          self._grid_ids[grids[0]] if grids else None)
        self._devices[device] = info
        log.info("device %s registered as %s", device, kind)
        return info

    def lookup(self, device: str) -> DeviceInfo | None:
        """The device, registering it first when auto-registration is on; None if unknown."""
        info = self._devices.get(device)
        if info is None and self.auto_register and device and (
                self.accept is None or self.accept(device)):
            info = self.register(device, self.auto_kind)
        return info

    def adopt(self, info: DeviceInfo) -> None:
        """Know a device as it was registered before (state restored from a snapshot)."""
        self._devices.setdefault(info.id, info)

    def __contains__(self, device: object) -> bool:
        return device in self._devices

    def __iter__(self) -> Iterator[DeviceInfo]:
        return iter(list(self._devices.values()))

    def __len__(self) -> int:
        return len(self._devices)
