"""Chroma: what a colour camera tells apart that brightness does not.

The analysis image is YCrCb: Y is the grey level the detectors always had, Cr and Cb carry the
colour (128 = grey). A shadow or a change of light scales a pixel's colour vector, so it keeps
its chromaticity (Horprasert et al. 1999): the background's chroma offsets (Cr-128, Cb-128)
scaled by the brightness ratio are what the pixel should show. What is left beyond that is a
change of colour, and a change of colour is material (or a vehicle), never a shadow.

Chroma is kept at half the analysis size: camera JPEGs store it at half resolution (4:2:0),
so libjpeg's reduced decode hands over chroma that is already half as sharp as the grey image
and the full size would only cost four times the arithmetic for nothing.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from video.detectors.base import Gray, Mask

F32 = npt.NDArray[Any]  # float32; OpenCV's stubs cannot say so (as base.Gray)


def offsets(channel: Gray) -> F32:
    """Cr or Cb as a signed offset from grey, float32, at half the size (rounded up)."""
    h, w = channel.shape[:2]
    half = cv2.resize(channel, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    out: F32 = half.astype(np.float32)
    out -= 128.0
    return out


def half(mask: Mask) -> Mask:
    """A full-size mask at chroma size (nearest)."""
    h, w = mask.shape[:2]
    out: Mask = cv2.resize(mask, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_NEAREST)
    return out


def full(mask: Mask, shape: tuple[int, ...]) -> Mask:
    """A chroma-size mask at the analysis size (each chroma pixel covers 2x2)."""
    h, w = shape[:2]
    out: Mask = cv2.resize(mask, (2 * mask.shape[1], 2 * mask.shape[0]),
                           interpolation=cv2.INTER_NEAREST)[:h, :w]
    return out


def at_box(channel: F32, x: int, y: int, w: int, h: int) -> F32:
    """The chroma of an analysis-size box, upsampled (nearest) to the box's size."""
    x0, y0 = x // 2, y // 2
    sub = channel[y0:(y + h + 1) // 2, x0:(x + w + 1) // 2]
    big = np.repeat(np.repeat(sub, 2, axis=0), 2, axis=1)
    out: F32 = np.ascontiguousarray(big[y - 2 * y0:y - 2 * y0 + h, x - 2 * x0:x - 2 * x0 + w])
    return out


def distance(cr: F32, cb: F32, bg_cr: F32, bg_cb: F32, ratio: float,
             bias: tuple[float, float] = (0.0, 0.0)) -> F32:
    """|Cr - r*Cr_bg - bias| + |Cb - r*Cb_bg - bias| per pixel: the colour change that the
    global brightness ratio r and the global colour cast (white balance drifting) leave."""
    out: F32 = cv2.add(
        cv2.absdiff(cr, cv2.addWeighted(bg_cr, ratio, bg_cr, 0.0, bias[0])),
        cv2.absdiff(cb, cv2.addWeighted(bg_cb, ratio, bg_cb, 0.0, bias[1])))
    return out


def cast(cr: F32, cb: F32, bg_cr: F32, bg_cb: F32, ratio: float,
         sample: npt.NDArray[np.intp]) -> tuple[float, float]:
    """The colour cast of the whole picture against the background: the median chroma
    difference over sampled pixels (white balance or the codec drifting; what a vehicle
    covers does not move the median)."""
    dcr = cr.ravel()[sample] - ratio * bg_cr.ravel()[sample]
    dcb = cb.ravel()[sample] - ratio * bg_cb.ravel()[sample]
    return float(np.median(dcr)), float(np.median(dcb))


def brightness_ratio(gray: Gray, background: F32, g: float) -> F32:
    """Y / (g * background Y) per pixel, kept within what light and shadow can do."""
    ratio: F32 = cv2.divide(gray.astype(np.float32), cv2.max(background * np.float32(g), 4.0))
    np.clip(ratio, 0.25, 2.5, out=ratio)
    return ratio


def above(values: F32, threshold: float | F32) -> Mask:
    """255 where values exceed the threshold (a number or a per-pixel float32 image)."""
    limit = threshold if isinstance(threshold, np.ndarray) else np.array([float(threshold)])
    out: Mask = cv2.compare(values, limit, cv2.CMP_GT)
    return out


def region_shift(cr: F32, cb: F32, bg_cr: F32, bg_cb: F32, ratio: F32,
                 region: npt.NDArray[np.bool_], bias: tuple[float, float] = (0.0, 0.0)) -> float:
    """|mean dCr| + |mean dCb| over a region, the background scaled by the brightness ratio
    and the picture's colour cast taken off: how far the region's colour moved as a whole
    (pixel noise averages out)."""
    dcr = float(np.mean(cr[region] - ratio[region] * bg_cr[region])) - bias[0]
    dcb = float(np.mean(cb[region] - ratio[region] * bg_cb[region])) - bias[1]
    return abs(dcr) + abs(dcb)


def bgr_shift(diff: npt.NDArray[np.float64]) -> float:
    """The same, for a mean BGR difference (a full-resolution frame minus the clean road
    scaled by the light factor): YCrCb is linear in BGR."""
    b, g, r = (float(v) for v in diff)
    y = 0.114 * b + 0.587 * g + 0.299 * r
    return abs(0.713 * (r - y)) + abs(0.564 * (b - y))


def perceptual(level: float) -> float:
    """Weight of a chroma difference seen at grey level `level`, relative to mid grey.

    YCrCb chroma shrinks with brightness; the eye (CIE Lab) does not, quite: for gamma-coded
    8-bit values Lab's a*, b* per code step grow about as level^-0.27, so one chroma step at
    grey 40 is as visible as 1.37 steps at grey 128. Dark roads keep their colours this way.
    """
    return float((128.0 / min(max(level, 16.0), 255.0)) ** 0.27)
