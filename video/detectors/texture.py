"""Texture: the road's grain, which a shadow keeps and material hides or replaces.

Asphalt has grain; a film of slurry, wet clay or fine soil lying on it has next to none, and
grit or sand bring a stronger one. Material within a few grey levels of the road and close to
its colour stands out from it in neither brightness nor chroma, but its grain differs from the
road's. Grain here is the fine detail a 1.5-pixel blur removes (gradient energy at the finest
scale), compared at full resolution (verify.py) with the clean road scaled by the smooth light
factor: a shadow multiplies grain and brightness alike, so the ratio stays near 1.

At the analysis scale (about 320 pixels wide) libjpeg's reduced decode and the codec average
this grain away (measured on the simulated scenes: flat lumps keep 0.65-2.3 of the road's
analysis-scale gradient energy, the same as a shadow), so the cue is only read at full
resolution, and only from cameras at least MIN_WIDTH wide.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
LOST = 0.55  # fine detail under this share of the clean road's: the grain is hidden
ADDED = 1.5  # over this share: material brings its own, stronger grain
MIN_GRAIN = 1.5  # grey levels of fine detail: a road with less has no grain to lose
MIN_WIDTH = 640  # camera pixels: narrower frames do not resolve the road's grain


def detail(gray: F32) -> F32:
    """|image - 1.5 px blur|: the grain."""
    out: F32 = np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 1.5))
    return out


def ratio(now: F32, clean: F32, inside: npt.NDArray[np.bool_]) -> float:
    """Fine detail inside the region now, over the clean road's (already scaled by the light
    factor). A road without grain to speak of cannot lose it, only gain: at least 1.0."""
    got = float(detail(now)[inside].mean())
    base = float(detail(clean)[inside].mean())
    if base < MIN_GRAIN:
        return max(1.0, got / MIN_GRAIN)
    return got / base


def changed(value: float) -> bool:
    """The grain is hidden or outdone: material, not the road under another light."""
    return not LOST < value < ADDED
