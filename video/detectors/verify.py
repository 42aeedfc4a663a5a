"""Full-resolution check of a spill candidate: is it material, or the road under a shadow?

At the analysis scale a road's grain is averaged away, so a shadow and a flat lump look alike.
The camera's own frames still have it: this compares the spot now with the same spot when the
road was last seen clean there (both from the frame ring), in colour and fine texture. It runs
once per candidate, so decoding two full frames costs nothing that matters.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from video.frames import decode_full

FrameAt = Callable[[float], bytes | None]  # the ring frame nearest a time
CHROMA_SAME = 0.03  # mean change of the b,g,r shares that a shadow or light still keeps under
NCC_SAME = 0.45  # fine-texture correlation above which the road is still the one seen
FLAT_HP = 1.5  # grey levels: a road finer than this has no texture to compare


def same_road(now_jpeg: bytes, clean_jpeg: bytes, box: list[int],
              region: npt.NDArray[np.bool_]) -> bool:
    """True when the region is the clean road, only darker or brighter."""
    now, clean = decode_full(now_jpeg), decode_full(clean_jpeg)
    if now.shape != clean.shape:
        return False
    x, y, w, h = box
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(now.shape[1], x + w), min(now.shape[0], y + h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return False
    scaled = cv2.resize(region.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    mask = scaled[y0 - y:y1 - y, x0 - x:x1 - x] > 0
    a = now[y0:y1, x0:x1].astype(np.float32)
    b = clean[y0:y1, x0:x1].astype(np.float32)
    if mask.sum() < 9:
        return False
    ca = a / (a.sum(axis=2, keepdims=True) + 1.0)
    cb = b / (b.sum(axis=2, keepdims=True) + 1.0)
    if float(np.abs(ca - cb)[mask].mean()) > CHROMA_SAME:
        return False  # a new colour: soil, sand, debris
    ga, gb = a.mean(axis=2), b.mean(axis=2)
    ha = (ga - cv2.GaussianBlur(ga, (0, 0), 2.0))[mask]
    hb = (gb - cv2.GaussianBlur(gb, (0, 0), 2.0))[mask]
    if float(hb.std()) < FLAT_HP:
        ratio = ga[mask] / np.maximum(gb[mask], 1.0)
        return float(ratio.std() / max(float(ratio.mean()), 1e-6)) < 0.08
    ha, hb = ha - ha.mean(), hb - hb.mean()
    denom = float(np.sqrt((ha * ha).sum() * (hb * hb).sum()))
    return denom > 0 and float((ha * hb).sum()) / denom > NCC_SAME
