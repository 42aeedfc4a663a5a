"""One camera end to end inside one process: decode, analyse, keep frames, prepare evidence.

Shared by the worker processes and the offline CLI, so a clip analysed offline gives the
events a live camera would. Evidence ids are handed out with the event, at once; the folder is
written by the caller (a thread in the worker) once the frames after the event have arrived.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from video.config import VideoConfig
from video.evidence import EvidenceRequest, new_id
from video.frames import Gray, decode_reduced, encode_jpeg, jpeg_size, reduce_bgr, reduction
from video.pipeline import CameraPipeline, PipelineEvent
from video.ring import FrameRing

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CameraOutput:
    camera: str
    kind: str  # motion | vehicle | spill (CameraEvent kinds)
    ts: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"camera": self.camera, "kind": self.kind, "ts": self.ts, **self.details}


@dataclass(slots=True)
class _Pending:
    evidence_id: str
    end_ts: float
    start_ts: float
    request: EvidenceRequest


class CameraRunner:
    def __init__(self, camera: str, roi: Sequence[tuple[float, float]] | None,
                 config: VideoConfig, keep_frames: bool = True) -> None:
        self.camera = camera
        self.config = config
        self.pipeline = CameraPipeline(camera, roi, config)
        self.ring = FrameRing(config.evidence.ring_s, config.evidence.ring_bytes)
        self.keep_frames = keep_frames
        if keep_frames:
            self.pipeline.spill.frame_at = self.ring.at
        self.frames_in = 0
        self.frames_analysed = 0
        self._pending: list[_Pending] = []

    def feed_jpeg(self, ts: float, jpeg: bytes) -> list[CameraOutput]:
        """One camera JPEG; ValueError (and no state change) if it is not a usable image."""
        width, _ = jpeg_size(jpeg)
        self.frames_in += 1
        if self.keep_frames:
            self.ring.add(ts, jpeg)
        if not self.pipeline.wants(ts):
            return []
        factor = reduction(width, self.config.analysis_width)
        image = decode_reduced(jpeg, factor, colour=True)
        return self._analyse(image, width / image.shape[1], ts)

    def feed_bgr(self, ts: float, frame: Gray) -> list[CameraOutput]:
        """One decoded colour frame (pulled sources, video files)."""
        self.frames_in += 1
        if not self.pipeline.wants(ts):
            return []
        width = frame.shape[1]
        if self.keep_frames:
            self.ring.add(ts, encode_jpeg(frame, 85))
        factor = reduction(width, self.config.analysis_width)
        image = reduce_bgr(frame, factor, colour=True)
        return self._analyse(image, width / image.shape[1], ts)

    def finish(self) -> list[CameraOutput]:
        """End of the stream (a clip): report what is still in view."""
        return self._outputs(self.pipeline.finish())

    def ready_evidence(self, now_ts: float | None = None) -> list[tuple[str, EvidenceRequest]]:
        """Evidence whose last frame has arrived (all of it when now_ts is None: end of clip)."""
        out, keep = [], []
        for p in self._pending:
            if now_ts is None or now_ts >= p.end_ts:
                p.request.frames = self.ring.span(p.start_ts, p.end_ts)
                out.append((p.evidence_id, p.request))
            else:
                keep.append(p)
        self._pending = keep
        return out

    def _analyse(self, image: Gray, factor: float, ts: float) -> list[CameraOutput]:
        self.frames_analysed += 1
        return self._outputs(self.pipeline.process(image, factor, ts))

    def _outputs(self, events: list[PipelineEvent]) -> list[CameraOutput]:
        out = []
        for ev in events:
            details = dict(ev.details)
            kind = ev.kind
            if kind == "motion_end":
                kind = "motion"
            elif kind == "spill_cleared":
                kind, details["state"] = "spill", "cleared"
            elif kind == "spill" or (kind == "motion" and self.config.evidence.motion_evidence):
                details["evidence"] = self._evidence(ev)
            out.append(CameraOutput(self.camera, kind, ev.ts, details))
        return out

    def _evidence(self, ev: PipelineEvent) -> str | None:
        if not self.keep_frames or ev.span is None:
            return None
        salt = f"{ev.kind}|{ev.details.get('box')}|{self.frames_in}"
        evidence_id = new_id(self.camera, ev.ts, salt)
        vehicle = ev.details.get("vehicle") or {}
        request = EvidenceRequest(
            camera=self.camera, kind=ev.kind, ts=ev.ts, frames=[], details=ev.details,
            vehicle_box=vehicle.get("box"), vehicle_ts=vehicle.get("box_ts"),
            material_box=ev.details.get("box") if ev.kind == "spill" else None)
        self._pending.append(_Pending(evidence_id, ev.span[1], ev.span[0], request))
        return evidence_id
