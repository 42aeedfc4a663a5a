"""A day's fixes of all walkers merged in time order, as the system under test takes them:
model.position.Position objects (in-process) or JSON positions (docs/contract.md §4)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.judge.geo import FloatArray
from bench.judge.receiver import Fixes
from model.position import Position


@dataclass
class Merged:
    devices: list[str]
    who: npt.NDArray[np.int64]
    t: FloatArray
    lon: FloatArray
    lat: FloatArray
    acc: FloatArray | None
    speed: FloatArray | None
    heading: FloatArray | None
    gaps: dict[str, list[tuple[float, float]]]  # each device's dropouts

    def __len__(self) -> int:
        return len(self.t)

    def slices(self, step_s: float) -> Iterator[tuple[int, int]]:
        """Index ranges of consecutive `step_s` stretches of data time."""
        if not len(self.t):
            return
        edges = np.arange(self.t[0], self.t[-1] + step_s, step_s)
        cuts = [*np.searchsorted(self.t, edges, side="left").tolist(), len(self.t)]
        for a, b in itertools.pairwise(cuts):
            if b > a:
                yield a, b

    def positions(self, a: int, b: int) -> list[Position]:
        dev = [self.devices[i] for i in self.who[a:b].tolist()]
        t, lat, lon = self.t[a:b].tolist(), self.lat[a:b].tolist(), self.lon[a:b].tolist()
        if self.acc is None or self.speed is None or self.heading is None:
            return [Position(d, ts, y, x) for d, ts, y, x in zip(dev, t, lat, lon, strict=True)]
        acc, spd = self.acc[a:b].tolist(), self.speed[a:b].tolist()
        hdg = [None if math.isnan(h) else h for h in self.heading[a:b].tolist()]
        return [Position(d, ts, y, x, c, s, h)
                for d, ts, y, x, c, s, h in zip(dev, t, lat, lon, acc, spd, hdg, strict=True)]

    def json(self, a: int, b: int) -> list[dict[str, Any]]:
        out = []
        for p in self.positions(a, b):
            d: dict[str, Any] = {"device": p.device, "ts": p.ts, "lat": p.lat, "lon": p.lon}
            for key in ("acc", "speed", "heading"):
                value = getattr(p, key)
                if value is not None:
                    d[key] = value
            out.append(d)
        return out


def merge(fixes: list[Fixes]) -> Merged:
    t = np.concatenate([f.t for f in fixes])
    order = np.argsort(t, kind="stable")

    def cat(arrs: list[FloatArray | None]) -> FloatArray | None:
        if any(a is None for a in arrs):
            return None
        return np.concatenate([a for a in arrs if a is not None])[order]

    who = np.concatenate([np.full(len(f.t), i, dtype=np.int64) for i, f in enumerate(fixes)])
    return Merged([f.device for f in fixes], who[order], t[order],
                  np.concatenate([f.lon for f in fixes])[order],
                  np.concatenate([f.lat for f in fixes])[order],
                  cat([f.acc for f in fixes]), cat([f.speed for f in fixes]),
                  cat([f.heading for f in fixes]), {f.device: f.gaps for f in fixes})
