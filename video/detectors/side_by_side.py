"""Which part of a merged blob dropped the material: for naming the vehicle, never for finding
the spill.

Two vehicles side by side in neighbouring lanes (or a vehicle and the pool of its headlights
beside another) are one blob for the tracker: the closing that keeps a road-grey truck whole
joins them. Cutting blobs in the tracker raised false spills on real footage, so the tracker
is left as it is. Only when a spill is reported is the named box looked at again, on the
motion mask of that moment before any closing: across the direction of travel, the rows (or
columns) the vehicles occupy form bands with a near-empty valley between lanes, and material
falls inside its dropper's band (from its bed, within its width). A hollow grey truck also
shows two bands, its edges, with the empty roof between them, and its material lies between
them; there, and wherever the bands are not clear, the box is named as the tracker saw it.
"""

from __future__ import annotations

import collections
import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from video.detectors.base import Box, Mask

if TYPE_CHECKING:  # vehicles.py keeps a MaskHistory
    from video.detectors.vehicles import Track

HISTORY_S = 20.0  # motion masks kept for looking back at the moment a vehicle passed
VALLEY = 0.4  # a row this share of the smaller neighbouring peak, or less, parts two bands
MIN_BAND = 8.0  # analysis pixels (at 320 wide) across: thinner is an edge, not a vehicle
MIN_MASS = 0.15  # share of the blob's pixels a band must hold to be a vehicle of its own


class MaskHistory:
    """The tracker's raw motion masks of the last HISTORY_S, packed to a bit a pixel."""

    def __init__(self) -> None:
        self._masks: collections.deque[tuple[float, npt.NDArray[np.uint8]]] = collections.deque()
        self._shape: tuple[int, int] = (0, 0)

    def add(self, ts: float, mask: Mask) -> None:
        if mask.shape != self._shape:
            self._masks.clear()
            self._shape = (mask.shape[0], mask.shape[1])
        self._masks.append((ts, np.packbits(mask > 0)))
        while self._masks and self._masks[0][0] < ts - HISTORY_S:
            self._masks.popleft()

    def at(self, ts: float) -> npt.NDArray[np.bool_] | None:
        """The mask of the frame analysed at ts, if still kept."""
        for t, packed in reversed(self._masks):
            if abs(t - ts) < 1e-6:
                n = self._shape[0] * self._shape[1]
                return np.unpackbits(packed, count=n).reshape(self._shape).astype(bool)
            if t < ts:
                break
        return None


def along_x(track: Track, ts: float) -> bool | None:
    """Whether the track moved mostly along x around ts (None: it hardly moved)."""
    near = [b.center for t, b in track.path if abs(t - ts) <= 1.0]
    if len(near) < 2:
        return None
    dx, dy = near[-1][0] - near[0][0], near[-1][1] - near[0][1]
    if math.hypot(dx, dy) < 2.0:
        return None
    return abs(dx) >= abs(dy)


def own_part(mask: npt.NDArray[np.bool_], box: Box, material: Box, horizontal: bool,
             scale: float) -> Box:
    """The band of the blob in `box` that the material lies across, in the lane of its
    dropper; `box` itself when the blob shows no separate vehicles or the material lies
    between them."""
    crop = mask[box.y:box.y + box.h, box.x:box.x + box.w]
    if crop.size == 0:
        return box
    profile = crop.sum(axis=1 if horizontal else 0).astype(np.float64)
    total = float(profile.sum())
    if total == 0:
        return box
    n = len(profile)
    # A row (column) is a valley when it holds little against the peaks on both sides of it.
    left = np.maximum.accumulate(profile)
    right = np.maximum.accumulate(profile[::-1])[::-1]
    valley = profile <= VALLEY * np.minimum(left, right)
    bands: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(n + 1):
        inside = i < n and not valley[i]
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            bands.append((start, i))
            start = None
    big = [(a, b) for a, b in bands
           if b - a >= MIN_BAND * scale and profile[a:b].sum() >= MIN_MASS * total]
    if len(big) < 2:
        return box
    centre = (material.y + material.h / 2 - box.y) if horizontal \
        else (material.x + material.w / 2 - box.x)
    hit = [(a, b) for a, b in big if a <= centre < b]
    if not hit:
        return box  # between the bands: a hollow body's edges, or not clearly one of them
    a, b = hit[0]
    part = crop[a:b, :] if horizontal else crop[:, a:b]
    spread = np.flatnonzero(part.any(axis=0 if horizontal else 1))
    lo, hi = int(spread[0]), int(spread[-1]) + 1
    if horizontal:
        return Box(box.x + lo, box.y + a, hi - lo, b - a, int(part.sum()), box.track, box.label)
    return Box(box.x + a, box.y + lo, b - a, hi - lo, int(part.sum()), box.track, box.label)


def named_box(track: Track, ts: float, box: Box, material: Box, history: MaskHistory,
              scale: float) -> Box:
    """The box to name as the dropper at ts: its own band when its blob held a neighbour."""
    mask = history.at(ts)
    horizontal = along_x(track, ts)
    if mask is None or horizontal is None:
        return box
    return own_part(mask, box, material, horizontal, scale)
