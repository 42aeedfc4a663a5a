"""Delivering a simulated day the way devices do: batched, late, out of order.

Phones send each fix after a small network delay; a jitter window makes some arrive after
fixes taken later (a reorder buffer of at least that window puts them back); a phone that goes
offline buffers its fixes and sends them all at once when it comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from model.position import Position

OFFLINE_S = 180.0  # a phone that loses its connection for three minutes


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float  # epoch seconds at which the server receives the fix
    position: Position


def iter_batches(positions: Iterable[Position], batch_size: int) -> Iterator[list[Position]]:
    """Consecutive lists of at most batch_size positions (the last one may be shorter)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    it = iter(positions)
    while batch := list(islice(it, batch_size)):
        yield batch


def arrivals(positions: Sequence[Position], *, seed: int = 0,
             latency_s: tuple[float, float] = (0.2, 1.5), jitter_s: float = 0.0,
             offline: Sequence[tuple[str, float] | tuple[str, float, float]] = ()
             ) -> list[Arrival]:
    """Arrival of every fix, in arrival order.

    Each fix arrives latency (uniform in latency_s) plus jitter (uniform in [0, jitter_s])
    after it was taken, so no fix is overtaken by one taken more than jitter_s + the latency
    spread later. offline lists (device, start[, seconds]): that device's fixes taken in
    [start, start + seconds) (default three minutes) arrive together when it reconnects.
    """
    if jitter_s < 0 or latency_s[0] < 0 or latency_s[1] < latency_s[0]:
        raise ValueError("latency and jitter must be non-negative ranges")
    rng = np.random.default_rng(seed)
    n = len(positions)
    ts = np.fromiter((p.ts for p in positions), dtype=np.float64, count=n)
    at = ts + rng.uniform(latency_s[0], latency_s[1], n) + rng.uniform(0.0, jitter_s, n)
    if offline:
        devices = np.array([p.device for p in positions], dtype=object)
        for spec in offline:
            device, start = spec[0], float(spec[1])
            seconds = float(spec[2]) if len(spec) > 2 else OFFLINE_S
            hit = (devices == device) & (ts >= start) & (ts < start + seconds)
            back = start + seconds + rng.uniform(latency_s[0], latency_s[1])
            # Sent as one burst, oldest first, a millisecond apart.
            at[hit] = back + np.arange(int(hit.sum())) * 1e-3
    order = np.argsort(at, kind="stable")
    return [Arrival(float(at[i]), positions[i]) for i in order.tolist()]


def in_arrival_order(positions: Sequence[Position], *, seed: int = 0, jitter_s: float = 0.0,
                     offline: Sequence[tuple[str, float] | tuple[str, float, float]] = ()
                     ) -> Iterator[Position]:
    """The positions as a server would receive them (see arrivals)."""
    for a in arrivals(positions, seed=seed, jitter_s=jitter_s, offline=offline):
        yield a.position
