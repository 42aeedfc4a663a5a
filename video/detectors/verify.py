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
SHAKE = 4  # full-frame pixels of camera shake searched for


def same_road(now_jpeg: bytes, clean_jpeg: bytes, box: list[int],
              region: npt.NDArray[np.bool_]) -> bool:
    """True when the region is the clean road, only darker or brighter (or shifted by a few
    pixels of camera shake)."""
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
    if mask.sum() < 9:
        return False
    a = now[y0:y1, x0:x1].astype(np.float32)
    dx, dy = _best_shift(now, clean, (x0, y0, x1, y1))
    b = clean[y0 + dy:y1 + dy, x0 + dx:x1 + dx].astype(np.float32)
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


def _best_shift(now: npt.NDArray[np.uint8], clean: npt.NDArray[np.uint8],
                rect: tuple[int, int, int, int]) -> tuple[int, int]:
    """Offset of the clean frame that best lines up with the region now (camera shake)."""
    x0, y0, x1, y1 = rect
    s = SHAKE
    if x0 < s or y0 < s or x1 + s > now.shape[1] or y1 + s > now.shape[0]:
        return 0, 0
    templ = cv2.cvtColor(now[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    search = cv2.cvtColor(clean[y0 - s:y1 + s, x0 - s:x1 + s], cv2.COLOR_BGR2GRAY)
    # The whole box: the road around the region pins the offset down whatever lies in it
    # (a shadow's road matches itself; material matches nothing and does not pull).
    score = cv2.matchTemplate(search, templ, cv2.TM_CCOEFF_NORMED)
    _, _, _, (bx, by) = cv2.minMaxLoc(score)
    return int(bx) - s, int(by) - s
