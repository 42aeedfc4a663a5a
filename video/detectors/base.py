"""The detector interface and the frame record the detectors of one camera share.

Each detector is built from its own config model only (`Detector(config)`) and answers
`detect(frame) -> list[Box]`. Stages run in order over one AnalysisFrame; a later stage reads
what an earlier one left on it (the motion mask, the tracks), so nothing is computed twice.
A learned object detector plugs in as a Detector whose boxes the tracker follows instead of
motion blobs (see pipeline.CameraPipeline, `objects=`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

if TYPE_CHECKING:
    from video.detectors.vehicles import Track

# OpenCV's stubs type every image as an array of "integer | floating"; uint8 is meant.
Gray = npt.NDArray[Any]
Mask = npt.NDArray[Any]
C = TypeVar("C", bound=BaseModel)
REFERENCE_WIDTH = 320.0


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box in analysis pixels (x, y top-left, w, h)."""

    x: int
    y: int
    w: int
    h: int
    area: int = 0  # pixels of the region inside the box, when known
    track: int | None = None
    label: str = ""

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0

    def contains(self, px: float, py: float, margin: float = 0.0) -> bool:
        return (self.x - margin <= px <= self.x + self.w + margin
                and self.y - margin <= py <= self.y + self.h + margin)

    def intersection(self, other: Box) -> int:
        w = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        h = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        return max(0, w) * max(0, h)

    def scaled(self, factor: float) -> list[int]:
        """[x, y, w, h] in full-frame pixels."""
        return [round(self.x * factor), round(self.y * factor),
                round(self.w * factor), round(self.h * factor)]


@dataclass(slots=True)
class AnalysisFrame:
    gray: Gray  # reduced, blurred grey image
    ts: float
    roi: Mask  # 255 inside the camera's region of interest
    scale: float  # analysis width / REFERENCE_WIDTH: pixel settings are multiplied by this
    factor: float = 1.0  # full-frame pixels per analysis pixel
    motion: Mask | None = None  # set by the motion detector
    light_reset: bool = False  # the motion detector re-learnt after a sudden global change
    objects: list[Box] | None = None  # boxes of a learned detector, when one is plugged in
    tracks: list[Track] = field(default_factory=list)  # set by the tracker
    # Chroma beside `gray` (then YCrCb's Y): Cr and Cb as float32 offsets from grey (0 = no
    # colour); None when the source is grey only: the detectors then judge by brightness alone.
    cr: npt.NDArray[np.float32] | None = None
    cb: npt.NDArray[np.float32] | None = None


class Detector(ABC, Generic[C]):
    def __init__(self, config: C) -> None:
        self.config = config

    @abstractmethod
    def detect(self, frame: AnalysisFrame) -> list[Box]:
        """Boxes found in this frame (the detector may keep state between frames)."""


def label(mask: Mask) -> tuple[int, Gray, Gray]:
    """8-connected regions of a binary mask: (count with the background, labels, stats).

    Grana's block-based algorithm: the same labels and stats as OpenCV's default (Spaghetti),
    measured at 0.11 against 0.35 ms on a 320x180 mask with one core; three masks a frame
    made the default the largest cost after JPEG decoding."""
    if not cv2.countNonZero(mask):
        return 1, np.zeros(mask.shape, np.int32), np.zeros((1, 5), np.int32)
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    return int(n), labels, stats


def components(mask: Mask, min_area: float) -> list[Box]:
    """Connected regions of a binary mask, as boxes with their pixel counts."""
    n, _, stats = label(mask)
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area >= min_area:
            out.append(Box(x, y, w, h, area))
    return out


def gain(gray: Gray, background: npt.NDArray[np.float32], sample: npt.NDArray[np.intp]) -> float:
    """Global brightness ratio frame / background, as the median over sampled ROI pixels.

    The median ignores the pixels a vehicle covers (up to half the ROI), so a passing truck does
    not read as a light change while a cloud or street lights switching on does.
    """
    f = gray.ravel()[sample].astype(np.float32)
    b = background.ravel()[sample]
    ok = b > 8.0
    if not ok.any():
        return 1.0
    return float(np.clip(np.median(f[ok] / b[ok]), 0.2, 5.0))
