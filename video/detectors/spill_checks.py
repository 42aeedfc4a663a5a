"""Tests a spill candidate must pass that look only at its pixels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from video.config import SpillConfig
from video.detectors.base import Box

FLAT_STD = 5.0  # grey levels: below this the road has no texture to compare
SMALL = 10  # pixels (x4 is the least region the test is applied to)


def is_shadow(now: npt.NDArray[np.uint8], background: npt.NDArray[np.float32],
              config: SpillConfig) -> bool:
    """A shadow or a patch of light: the road under it, only darker or brighter.

    On a textured road the texture survives (correlation with the background stays high); on a
    flat road the frame/background ratio is uniform. Material brings its own texture.
    """
    f = now.astype(np.float64)
    b = background.astype(np.float64)
    if f.size < 4 * SMALL:
        return False  # a stone or two: too few pixels to tell texture from a shadow's edge
    if float(b.std()) > FLAT_STD:
        fc, bc = f - f.mean(), b - b.mean()
        denom = float(np.sqrt((fc * fc).sum() * (bc * bc).sum()))
        return denom > 0 and float((fc * bc).sum()) / denom > config.shadow_ncc
    ratio = f / np.maximum(b, 1.0)
    return float(ratio.std() / max(ratio.mean(), 1e-6)) < config.shadow_cv


def sample_points(region: npt.NDArray[np.bool_], box: Box,
                  count: int = 24) -> npt.NDArray[np.float64]:
    """Up to `count` pixel centres of the region, in analysis coordinates."""
    ys, xs = np.nonzero(region)
    if ys.size > count:
        pick = np.linspace(0, ys.size - 1, count).astype(np.intp)
        ys, xs = ys[pick], xs[pick]
    return np.stack([xs + box.x + 0.5, ys + box.y + 0.5], axis=1).astype(np.float64)
