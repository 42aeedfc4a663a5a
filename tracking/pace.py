"""A device's robust speed along the roads, for the riding rule of passes (docs/contract.md §3:
faster than `too_fast_kmh` for a minute).

Never one pair of fixes: the decided steps of the map matcher are cut into blocks of BLOCK_S,
each block's speed is its net progress along the roads over its duration (jitter back and forth
cancels), and the device is riding while the median of the blocks of the last half minute is above
the limit: a GPS jump moves one block at most, and the median ignores it.
"""

from __future__ import annotations

import msgspec

BLOCK_S = 10.0
BLOCKS = 3  # half a minute of blocks
MIN_BLOCKS = 3


class PaceData(msgspec.Struct, array_like=True):
    ride: bool
    t0: float
    done: float
    road: int
    o0: float
    off: float
    last: float
    speeds: list[float]


class Pace:
    __slots__ = ("done", "last", "o0", "off", "pace", "ride", "road", "speeds", "t0")

    def __init__(self) -> None:
        self.ride = False  # riding, as of the last block
        self.t0 = -1.0  # start of the block being filled (-1: none)
        self.done = 0.0  # metres of finished pieces of it (a piece: one road)
        self.road = -1
        self.o0 = 0.0  # where the current piece began on its road
        self.off = 0.0  # the newest offset
        self.last = 0.0  # the newest step's time
        self.speeds: list[float] = []  # the last BLOCKS block speeds, oldest first
        self.pace = -1.0  # their median (m/s), the walker's robust speed; -1: no block yet

    def update(self, ts: float, road: int, off: float, break_s: float, limit: float) -> None:
        """One decided step; `limit`: the riding speed (m/s)."""
        if self.t0 < 0.0 or ts - self.last > break_s:
            self.t0, self.done, self.road, self.o0, self.off, self.last = ts, 0.0, road, off, \
                off, ts
            self.speeds = []
            self.ride = False
            self.pace = -1.0
            return
        if road != self.road:  # a junction: the new road's piece starts where it was met
            self.done += abs(self.off - self.o0)
            self.road, self.o0 = road, off
        self.off, self.last = off, ts
        if ts - self.t0 >= BLOCK_S:
            speeds = self.speeds
            speeds.append((self.done + abs(off - self.o0)) / (ts - self.t0))
            if len(speeds) > BLOCKS:
                del speeds[0]
            self.t0, self.done, self.o0 = ts, 0.0, off
            self.pace = _median(speeds)
            self.ride = len(speeds) >= MIN_BLOCKS and self.pace > limit

    def export(self) -> PaceData:
        return PaceData(self.ride, self.t0, self.done, self.road, self.o0, self.off, self.last,
                        list(self.speeds))

    @classmethod
    def of(cls, d: PaceData) -> Pace:
        p = cls()
        p.ride = d.ride
        p.t0, p.done, p.road, p.o0, p.off, p.last = d.t0, d.done, d.road, d.o0, d.off, d.last
        p.speeds = list(d.speeds)
        p.pace = _median(p.speeds) if p.speeds else -1.0
        return p


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])
