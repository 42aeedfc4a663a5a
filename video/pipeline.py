"""One camera's analysis: the detector stages in order, and the events they add up to.

Pure over its inputs: frames come in with their own timestamps, events come out; no clock, no
I/O. The worker process, the offline CLI and the tests all drive this same class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from video.config import VideoConfig
from video.detectors import chroma
from video.detectors.base import REFERENCE_WIDTH, AnalysisFrame, Box, Detector, Gray
from video.detectors.motion import MotionDetector
from video.detectors.side_by_side import named_box
from video.detectors.spill import Spill, SpillDetector
from video.detectors.vehicles import Track, VehicleTracker

Roi = Sequence[tuple[float, float]]


@dataclass(slots=True)
class PipelineEvent:
    kind: str  # motion | motion_end | vehicle | spill | spill_cleared
    ts: float
    details: dict[str, Any]
    spill: Spill | None = field(default=None, repr=False)
    span: tuple[float, float] | None = None  # evidence time span, when evidence is due


class CameraPipeline:
    def __init__(self, camera: str, roi: Roi | None, config: VideoConfig,
                 objects: Detector[Any] | None = None) -> None:
        self.camera = camera
        self.roi = tuple(roi) if roi else None
        self.config = config
        self.motion = MotionDetector(config.motion)
        self.tracker = VehicleTracker(config.vehicles)
        self.spill = SpillDetector(config.spill)
        self.objects = objects  # plug-in point for a learned vehicle detector
        self.factor = 1.0
        self.scale = 1.0  # analysis width / REFERENCE_WIDTH
        self._roi_mask: Gray | None = None
        self._next_ts: float | None = None
        self._motion_since: float | None = None
        self._motion_last = 0.0
        self._motion_active = False
        self._reported_tracks: set[int] = set()

    def wants(self, ts: float) -> bool:
        """Whether a frame at ts is due for analysis at the configured rate."""
        return self._next_ts is None or ts >= self._next_ts

    def process(self, image: Gray, factor: float, ts: float) -> list[PipelineEvent]:
        """Analyse one reduced frame, BGR or grey (1/factor of the camera's full size)."""
        cr = cb = None
        if image.ndim == 3:
            gray, cr8, cb8 = cv2.split(cv2.cvtColor(image, cv2.COLOR_BGR2YCrCb))
            cr, cb = chroma.offsets(cr8), chroma.offsets(cb8)
        else:
            gray = image
        period = 1.0 / self.config.fps
        # 0.8 period of slack: a camera sending at exactly the rate is never skipped for jitter.
        self._next_ts = ts + 0.8 * period
        self.factor = factor
        if self._roi_mask is None or self._roi_mask.shape != gray.shape:
            self._roi_mask = self._make_roi(gray.shape[1], gray.shape[0], factor)
        # Motion and tracking see a blurred image (compression noise); the spill detector the
        # sharp one, because a stone may be a single analysis pixel.
        frame = AnalysisFrame(cv2.GaussianBlur(gray, (3, 3), 0), ts, self._roi_mask,
                              gray.shape[1] / REFERENCE_WIDTH, factor, cr=cr, cb=cb)
        self.scale = frame.scale
        moving = self.motion.detect(frame)
        if self.objects is not None:
            frame.objects = self.objects.detect(frame)
        self.tracker.detect(frame)
        frame.gray = gray
        self.spill.detect(frame)
        events = self._motion_events(frame, moving)
        events += self._vehicle_events(self.tracker.ended)
        events += [self._spill_event(s) for s in self.spill.found]
        events += [PipelineEvent("spill_cleared", ts, {"box": s.box.scaled(factor),
                                                        "vehicle": s.vehicle.id})
                   for s in self.spill.cleared]
        self.spill.found.clear()
        self.spill.cleared.clear()
        return events

    def _make_roi(self, width: int, height: int, factor: float) -> Gray:
        if not self.roi:
            return np.full((height, width), 255, np.uint8)
        mask = np.zeros((height, width), np.uint8)
        pts = np.round(np.array(self.roi, dtype=np.float64) / factor).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255)
        return mask

    def _motion_events(self, frame: AnalysisFrame, boxes: list[Box]) -> list[PipelineEvent]:
        cfg, ts = self.config.motion, frame.ts
        present = sum(b.area for b in boxes) >= cfg.min_area * frame.scale ** 2
        if present:
            self._motion_last = ts
            if self._motion_since is None:
                self._motion_since = ts
            if not self._motion_active and ts - self._motion_since >= cfg.min_duration_s:
                self._motion_active = True
                return [PipelineEvent("motion", ts, {
                    "state": "start", "since": self._motion_since,
                    "boxes": [b.scaled(self.factor) for b in boxes]},
                    span=(self._motion_since - self.config.evidence.pre_s, ts))]
            return []
        if not self._motion_active:
            self._motion_since = None
        elif ts - self._motion_last >= cfg.end_after_s:
            self._motion_active = False
            since, self._motion_since = self._motion_since, None
            return [PipelineEvent("motion_end", ts, {"state": "end", "since": since,
                                                     "until": self._motion_last})]
        return []

    def finish(self) -> list[PipelineEvent]:
        """End of the stream: vehicles still in view are reported as they are."""
        return self._vehicle_events([*self.tracker.ended, *self.tracker.active])

    def _vehicle_events(self, tracks: list[Track]) -> list[PipelineEvent]:
        out = []
        for track in tracks:
            if track.vehicle and track.id not in self._reported_tracks:
                self._reported_tracks.add(track.id)
                out.append(PipelineEvent("vehicle", track.last_ts, self.track_json(track)))
        # Forget ids the tracker no longer remembers, so the set stays small.
        self._reported_tracks &= {t.id for t in self.tracker.ended}
        return out

    def track_json(self, track: Track) -> dict[str, Any]:
        f = self.factor
        biggest = max((b for _, b in track.path), key=lambda b: b.w * b.h)
        return {"track": track.id, "first_ts": track.first_ts, "last_ts": track.last_ts,
                "box": biggest.scaled(f),
                "path": [[round(ts, 3), round(b.center[0] * f, 1), round(b.center[1] * f, 1)]
                         for ts, b in track.path]}

    def _spill_event(self, spill: Spill) -> PipelineEvent:
        f = self.factor
        vehicle = self.track_json(spill.vehicle)
        # Around the moment it passed, the box of the vehicle's typical size: a body the
        # colour of the road shows only in pieces on some frames, and on others its blob
        # merges with a vehicle in the next lane.
        path = spill.vehicle.path
        typical = float(np.median([b.w * b.h for _, b in path]))
        near = [p for p in path if -0.6 <= p[0] - spill.covered_ts <= 0.4] or path[-1:]
        at = min(near, key=lambda p: abs(np.log(max(1, p[1].w * p[1].h) / max(1.0, typical))))
        # A blob that held a vehicle beside it too: name the part in the material's lane.
        box = named_box(spill.vehicle, at[0], at[1], spill.box, self.tracker.masks,
                        self.scale)
        vehicle["box"] = box.scaled(f)
        vehicle["box_ts"] = at[0]
        details = {"box": spill.box.scaled(f), "onset_ts": spill.onset_ts, "vehicle": vehicle}
        ev = self.config.evidence
        span = (min(spill.vehicle.first_ts, spill.onset_ts) - ev.pre_s, spill.ts + ev.post_s)
        return PipelineEvent("spill", spill.ts, details, spill=spill, span=span)
