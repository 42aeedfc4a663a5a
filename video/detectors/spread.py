"""How much each pixel of the empty road flickers from frame to frame, as a tolerance.

Camera shake moves every edge (lane lines, kerbs, the rim of a stain) by part of an analysis
pixel, which changes an edge pixel by a large share of the edge's contrast while a flat piece
of road barely changes; compression noise adds a little everywhere. A single grey-level
threshold is either blind on the flat road or alarmed on the edges. So each pixel learns the
mean absolute difference between consecutive frames while nothing moves over it (a running
mean, like the variance of a Gaussian background model) and its change threshold is raised by
a multiple of that. Material lying still does not flicker, so it does not raise its own
tolerance.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from video.detectors.base import Gray, Mask

CAP = 80.0  # grey levels: one frame's difference counts for at most this much


class Spread:
    def __init__(self, gray: Gray, factor: float, ceiling: int) -> None:
        self.mean: npt.NDArray[np.float32] = np.zeros(gray.shape, np.float32)
        self.factor = factor
        self.ceiling = ceiling
        self._prev = gray.copy()

    def update(self, gray: Gray, learn: Mask, alpha: float) -> None:
        """Learn from the pixels where `learn` is set (255): nothing known to move there."""
        diff = cv2.absdiff(gray, self._prev).astype(np.float32)
        np.minimum(diff, CAP, out=diff)
        cv2.accumulateWeighted(diff, self.mean, alpha, mask=learn)
        self._prev = gray

    def tolerance(self, threshold: int) -> Mask:
        """Per-pixel threshold in grey levels (uint8): the base plus the learnt flicker."""
        extra = cv2.convertScaleAbs(self.mean, alpha=self.factor)
        out: Mask = np.minimum(extra, self.ceiling) + np.uint8(min(threshold, 255 - self.ceiling))
        return out


class ChromaSpread:
    """The same for colour: each pixel's mean |dCr| + |dCb| between consecutive frames while
    nothing moves over it. Low light makes every channel noisy on its own; a threshold fixed
    for a bright day would see material everywhere at dusk."""

    def __init__(self, cr: npt.NDArray[np.float32], cb: npt.NDArray[np.float32], factor: float,
                 ceiling: float) -> None:
        self.mean: npt.NDArray[np.float32] = np.zeros(cr.shape, np.float32)
        self.factor = factor
        self.ceiling = ceiling
        self._prev = (cr, cb)

    def update(self, cr: npt.NDArray[np.float32], cb: npt.NDArray[np.float32], learn: Mask,
               alpha: float) -> None:
        diff = cv2.add(cv2.absdiff(cr, self._prev[0]), cv2.absdiff(cb, self._prev[1]))
        np.minimum(diff, CAP, out=diff)
        cv2.accumulateWeighted(diff, self.mean, alpha, mask=learn)
        self._prev = (cr, cb)

    def tolerance(self, threshold: float) -> npt.NDArray[np.float32]:
        """Per-pixel chroma threshold: the base plus the learnt flicker, capped."""
        out: npt.NDArray[np.float32] = np.minimum(self.mean * np.float32(self.factor),
                                                  np.float32(self.ceiling))
        out += np.float32(threshold)
        return out
