"""Motion inside the ROI against a fast running-average background.

Robustness, cheaply (about 0.2 ms a frame at 320x180):
- compression noise: the image is blurred and the threshold is in grey levels;
- lighting: the background is scaled by the median frame/background ratio before comparing;
- small camera shake: a pixel moves only if it lies outside [erode(bg), dilate(bg)] by the
  threshold, i.e. no background pixel within one analysis pixel (four full pixels at 1280 wide)
  explains it;
- a change over most of the ROI at once (lights, auto-exposure, a knocked camera) re-learns the
  background instead of reporting motion everywhere;
- colour: a pixel also moves when its chroma leaves the background's by `chroma_threshold`
  (chroma.py), so a vehicle the grey of the road is seen whole by its colour, not only by its
  dark edges (about 0.1 ms more).
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from video.config import MotionConfig
from video.detectors import chroma
from video.detectors.base import AnalysisFrame, Box, Detector, Gray, Mask, components, gain

KERNEL3 = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))


def outside_band(gray: Gray, background: npt.NDArray[np.float32], g: float,
                 threshold: int | Mask) -> Mask:
    """255 where the pixel differs from every background pixel around it by > threshold
    (one grey level for all pixels, or a uint8 image of per-pixel thresholds)."""
    bg8 = cv2.convertScaleAbs(background, alpha=g)
    t = (np.full(bg8.shape, threshold, np.uint8) if isinstance(threshold, int)
         else threshold)
    lo = cv2.subtract(cv2.erode(bg8, KERNEL3), t)
    hi = cv2.add(cv2.dilate(bg8, KERNEL3), t)
    return cv2.bitwise_or(cv2.compare(gray, lo, cv2.CMP_LT), cv2.compare(gray, hi, cv2.CMP_GT))


def roi_sample(roi: Mask, count: int = 2048) -> npt.NDArray[np.intp]:
    """Flat indices of up to `count` evenly spread ROI pixels (for gain estimates)."""
    idx = np.flatnonzero(roi.ravel())
    if idx.size > count:
        idx = idx[np.linspace(0, idx.size - 1, count).astype(np.intp)]
    return idx


class MotionDetector(Detector[MotionConfig]):
    def __init__(self, config: MotionConfig) -> None:
        super().__init__(config)
        self.background: npt.NDArray[np.float32] | None = None
        self.bg_cr: chroma.F32 | None = None
        self.bg_cb: chroma.F32 | None = None
        self._sample: npt.NDArray[np.intp] | None = None
        self._roi_area = 1

    def _relearn(self, frame: AnalysisFrame) -> None:
        self.background = frame.gray.astype(np.float32)
        if frame.cr is not None and frame.cb is not None:
            self.bg_cr, self.bg_cb = frame.cr.copy(), frame.cb.copy()
        else:
            self.bg_cr = self.bg_cb = None
        frame.motion = np.zeros_like(frame.gray)

    def detect(self, frame: AnalysisFrame) -> list[Box]:
        gray = frame.gray
        colour = frame.cr is not None and frame.cb is not None
        if (self.background is None or self.background.shape != gray.shape
                or colour != (self.bg_cr is not None)):
            self._relearn(frame)
            self._sample = roi_sample(frame.roi)
            self._roi_area = max(1, cv2.countNonZero(frame.roi))
            return []
        assert self._sample is not None
        bg = self.background
        g = gain(gray, bg, self._sample)
        fg = outside_band(gray, bg, g, self.config.threshold)
        cr = cb = None
        if frame.cr is not None and frame.cb is not None and self.bg_cr is not None \
                and self.bg_cb is not None:
            cr, cb = frame.cr, frame.cb
            d = chroma.distance(cr, cb, self.bg_cr, self.bg_cb, g)
            fg = cv2.bitwise_or(fg, chroma.full(chroma.above(d, self.config.chroma_threshold),
                                                fg.shape))
        fg = cv2.bitwise_and(fg, frame.roi)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, KERNEL3)
        if cv2.countNonZero(fg) > self.config.light_change_share * self._roi_area:
            self._relearn(frame)
            frame.light_reset = True
            return []
        still = cv2.bitwise_not(fg)
        cv2.accumulateWeighted(gray, bg, self.config.fast_alpha, mask=still)
        cv2.accumulateWeighted(gray, bg, self.config.stopped_alpha, mask=fg)
        if cr is not None and cb is not None and self.bg_cr is not None \
                and self.bg_cb is not None:
            fg2 = chroma.half(fg)
            still2 = cv2.bitwise_not(fg2)
            for now, old in ((cr, self.bg_cr), (cb, self.bg_cb)):
                cv2.accumulateWeighted(now, old, self.config.fast_alpha, mask=still2)
                cv2.accumulateWeighted(now, old, self.config.stopped_alpha, mask=fg2)
        frame.motion = fg
        return components(fg, self.config.min_area * frame.scale ** 2)
