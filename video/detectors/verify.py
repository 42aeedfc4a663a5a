"""Full-resolution check of a spill candidate: is it material, or the road under a shadow?

At the analysis scale a road's grain is averaged away, so a shadow and a flat lump look alike.
The camera's own frames still have it: this compares the spot now with the same spot when the
road was last seen clean there (both from the frame ring), lined up for camera shake. A shadow
or a change of light multiplies the road by a factor that varies only slowly across the image,
so once that smooth factor is divided out, the road under it is the road it was, grain for
grain and in the same colour. Material brings sharp edges, its own grain and often its own
colour: those stay in the residual. It runs once per candidate, so decoding two full frames
costs nothing that matters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from video.detectors import texture
from video.detectors.chroma import bgr_shift
from video.frames import decode_full

FrameAt = Callable[[float], bytes | None]  # the ring frame nearest a time
SHAKE = 4  # full-frame pixels of camera shake searched for
SMOOTH = 0.12  # blur of the light factor, as a share of the box's smaller side
RESIDUAL = 28.0  # grey levels left after the light factor that only material explains
MATERIAL_SHARE = 0.12  # share of the region's pixels that must keep such a residual
MATERIAL_MIN = 8  # ... and at least this many full-frame pixels


def same_road(now_jpeg: bytes, clean_jpeg: bytes, box: list[int],
              region: npt.NDArray[np.bool_], chroma_material: float = 3.0) -> bool:
    """True when the region is the clean road, only darker or brighter (or shifted by a few
    pixels of camera shake), in the same colour and with the same grain."""
    pair = _lined_up(decode_full(now_jpeg), decode_full(clean_jpeg), box, region)
    if pair is None:
        return False
    a, b, inside, sigma = pair
    ga, gb = a.mean(axis=2), b.mean(axis=2)
    factor = _light_factor(ga, gb, sigma)
    diff = a - b * factor[..., None]
    # Colour: the region's mean residual in chroma (a shadow scales colour, it keeps its hue).
    if bgr_shift(diff[inside].mean(axis=0).astype(np.float64)) > chroma_material:
        return False
    # Grain: a shadow scales it with the brightness; material hides it or brings its own.
    if texture.changed(texture.ratio(ga, gb * factor, inside)):
        return False
    residual = np.abs(diff).max(axis=2)
    odd = int(np.count_nonzero(residual[inside] > RESIDUAL))
    return odd < max(MATERIAL_MIN, MATERIAL_SHARE * int(inside.sum()))


def grain_changed(now_jpegs: list[bytes], clean_jpeg: bytes, box: list[int],
                  region: npt.NDArray[np.bool_]) -> bool:
    """The region's grain is hidden (flat material on grainy asphalt) or outdone by a
    stronger one (grit, sand) on every frame given, against the clean road, light divided
    out: material too close to the road in brightness and colour to stand out otherwise."""
    clean = decode_full(clean_jpeg)
    for jpeg in now_jpegs:
        pair = _lined_up(decode_full(jpeg), clean, box, region)
        if pair is None:
            return False
        a, b, inside, sigma = pair
        ga, gb = a.mean(axis=2), b.mean(axis=2)
        factor = _light_factor(ga, gb, sigma)
        if not texture.changed(texture.ratio(ga, gb * factor, inside)):
            return False
    return bool(now_jpegs)


def _light_factor(now: npt.NDArray[np.floating[Any]], clean: npt.NDArray[np.floating[Any]],
                  sigma: float) -> npt.NDArray[np.floating[Any]]:
    """The smooth light change from the clean road to now (grey), pixel by pixel."""
    factor: npt.NDArray[np.floating[Any]] = cv2.GaussianBlur(now, (0, 0), sigma) / np.maximum(
        cv2.GaussianBlur(clean, (0, 0), sigma), 1.0)
    return factor


def _lined_up(now: npt.NDArray[np.uint8], clean: npt.NDArray[np.uint8], box: list[int],
              region: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float32],
                                                       npt.NDArray[np.float32],
                                                       npt.NDArray[np.bool_], float] | None:
    """The box with road around it, now and clean (lined up for shake), as float32 BGR, the
    region's full-size mask in it and the blur that gives the smooth light factor."""
    if now.shape != clean.shape:
        return None
    x, y, w, h = box
    pad = max(4, min(w, h) // 2)  # road around the region pins the light factor down
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(now.shape[1], x + w + pad), min(now.shape[0], y + h + pad)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    x, y = max(0, x), max(0, y)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    scaled = cv2.resize(region.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    mx, my = x - x0, y - y0
    cut = scaled[:mask.shape[0] - my, :mask.shape[1] - mx]
    mask[my:my + cut.shape[0], mx:mx + cut.shape[1]] = cut
    # The region is found at a quarter of the size: grow it by one analysis pixel.
    grow = max(3, 2 * (round(w / max(1, region.shape[1])) // 2) + 1)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    inside = mask > 0
    if inside.sum() < 9:
        return None
    dx, dy = _best_shift(now, clean, (x0, y0, x1, y1))
    a = now[y0:y1, x0:x1].astype(np.float32)
    b = clean[y0 + dy:y1 + dy, x0 + dx:x1 + dx].astype(np.float32)
    if a.shape != b.shape:
        return None
    return a, b, inside, max(1.5, SMOOTH * min(w, h))


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
