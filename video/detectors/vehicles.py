"""Vehicle tracking: moving blobs (or a learned detector's boxes) followed across frames.

Greedy association on a constant-velocity prediction, with a size term so that a truck keeps
its track when material it dropped splits off as a small blob beside it. A track is a vehicle
once it is big enough and has travelled far enough; its path stays available for a while after
it ends so the spill detector can ask who passed over a spot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2

from video.config import VehicleConfig
from video.detectors.base import AnalysisFrame, Box, Detector, components
from video.detectors.side_by_side import MaskHistory

KERNEL_CLOSE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
HISTORY_S = 120.0  # ended tracks kept for attribution
MAX_BOX_RATIO = math.log(5.0)
STEADY = 4  # boxes a track has before its direction is trusted
SIDEWAYS = 0.75  # largest sideways jump from the predicted centre, in box sizes
COAST_GATE = 0.5  # a coasting track's gate, in box sizes from where its pace has it
FAST = 15.0  # analysis pixels a second (at 320 wide): a box's centre moving faster is driving


@dataclass(slots=True)
class Track:
    id: int
    path: list[tuple[float, Box]] = field(default_factory=list)
    vx: float = 0.0  # analysis pixels per second
    vy: float = 0.0
    missed: int = 0
    ended: bool = False
    max_area: int = 0  # largest box area
    travel: float = 0.0  # largest distance from the first centre
    vehicle: bool = False  # big enough and travelled far enough (set by the tracker)

    @property
    def box(self) -> Box:
        return self.path[-1][1]

    @property
    def first_ts(self) -> float:
        return self.path[0][0]

    @property
    def last_ts(self) -> float:
        return self.path[-1][0]

    def predict(self, ts: float) -> tuple[float, float]:
        cx, cy = self.box.center
        dt = ts - self.last_ts
        return cx + self.vx * dt, cy + self.vy * dt

    def add(self, ts: float, box: Box) -> None:
        if self.path:
            (px, py), dt = self.box.center, ts - self.last_ts
            if dt > 0:
                cx, cy = box.center
                # Smoothed, because a blob's centre jumps as parts merge and split.
                k = 0.6 if len(self.path) > 1 else 1.0
                self.vx = (1 - k) * self.vx + k * (cx - px) / dt
                self.vy = (1 - k) * self.vy + k * (cy - py) / dt
        self.path.append((ts, box))
        self.max_area = max(self.max_area, box.w * box.h)  # box: a uniform body is hollow
        fx, fy = self.path[0][1].center
        cx, cy = box.center
        self.travel = max(self.travel, math.hypot(cx - fx, cy - fy))

    def is_vehicle(self, config: VehicleConfig, scale: float) -> bool:
        """Big enough for long enough (the median box, not the largest: a person's blob that
        merges for a frame with a bag put down is not a vehicle) and travelled far enough."""
        if len(self.path) < 3 or self.max_area < config.vehicle_area * scale ** 2 \
                or self.travel < config.min_travel * scale:
            return False
        areas = sorted(b.w * b.h for _, b in self.path)
        return areas[len(areas) // 2] >= config.vehicle_area * scale ** 2

    def recent_travel(self, seconds: float) -> float:
        """Distance covered during the last `seconds` of the path (0 for a stopped object)."""
        end_ts, end = self.path[-1]
        ex, ey = end.center
        for ts, box in reversed(self.path):
            if end_ts - ts >= seconds:
                bx, by = box.center
                return math.hypot(ex - bx, ey - by)
        bx, by = self.path[0][1].center
        return math.hypot(ex - bx, ey - by)


class VehicleTracker(Detector[VehicleConfig]):
    def __init__(self, config: VehicleConfig) -> None:
        super().__init__(config)
        self.active: list[Track] = []
        self.ended: list[Track] = []  # newest last; trimmed to HISTORY_S
        self._next_id = 1
        # The raw motion masks behind the boxes, for naming one of two merged vehicles later.
        self.masks = MaskHistory()

    def detect(self, frame: AnalysisFrame) -> list[Box]:
        if frame.motion is not None:
            self.masks.add(frame.ts, frame.motion)
        blobs = self._blobs(frame)
        pairs = self._associate(blobs, frame.ts)
        seen: list[Box] = []
        used_tracks = set()
        used_blobs = set()
        for ti, bi in pairs:
            track = self.active[ti]
            track.add(frame.ts, blobs[bi])
            track.missed = 0
            track.vehicle = track.vehicle or track.is_vehicle(self.config, frame.scale)
            used_tracks.add(ti)
            used_blobs.add(bi)
        survivors = []
        for i, track in enumerate(self.active):
            if i not in used_tracks:
                track.missed += 1
            if track.missed > self.config.max_missed and not self._coasts(track, frame):
                track.ended = True
                self.ended.append(track)
            else:
                survivors.append(track)
        self.active = survivors
        for bi, blob in enumerate(blobs):
            if bi not in used_blobs:
                track = Track(self._next_id)
                self._next_id += 1
                track.add(frame.ts, blob)
                self.active.append(track)
        cutoff = frame.ts - HISTORY_S
        self.ended = [t for t in self.ended if t.last_ts >= cutoff]
        for track in self.active:
            if track.missed == 0:
                b = track.box
                seen.append(Box(b.x, b.y, b.w, b.h, b.area, track.id, "object"))
        frame.tracks = [*self.ended, *self.active]
        return seen

    def _coasts(self, track: Track, frame: AnalysisFrame) -> bool:
        """A vehicle on its way, unseen for less than coast_s, and where its pace puts it still
        in the picture: its blob is merged with another vehicle's (which that one's track
        took) or hidden behind it, and it comes out again where its pace has it. Ending it
        would start a new track there, and neither would have passed over the road between."""
        if not track.vehicle or len(track.path) < STEADY \
                or frame.ts - track.last_ts > self.config.coast_s \
                or math.hypot(track.vx, track.vy) < FAST * frame.scale:
            return False
        h, w = int(frame.gray.shape[0]), int(frame.gray.shape[1])
        px, py = track.predict(frame.ts)
        return 0.0 <= px < w and 0.0 <= py < h

    def _blobs(self, frame: AnalysisFrame) -> list[Box]:
        if frame.objects is not None:
            return frame.objects
        if frame.motion is None:
            return []
        # Closing joins the pieces of one vehicle (a uniform roof differs from the road only
        # at its edges) without joining two vehicles a lane apart.
        closed = cv2.morphologyEx(frame.motion, cv2.MORPH_CLOSE, KERNEL_CLOSE)
        return merge_near(components(closed, 1), 5 * frame.scale,
                          self.config.min_area * frame.scale ** 2)

    def _associate(self, blobs: list[Box], ts: float) -> list[tuple[int, int]]:
        costs: list[tuple[float, int, int]] = []
        for ti, track in enumerate(self.active):
            px, py = track.predict(ts)
            tb = track.box
            size = max(tb.w, tb.h, 4)
            t_area = max(tb.area, 1)
            speed = math.hypot(track.vx, track.vy)
            ox, oy = tb.center
            # A track coasting past max_missed is found again only where its pace has it (a
            # vehicle that slowed to park while merged with another is not: the parked blob
            # is its own new track, whose history says it stands).
            gate = self.config.gate if track.missed <= self.config.max_missed else COAST_GATE
            for bi, blob in enumerate(blobs):
                cx, cy = blob.center
                dist = math.hypot(cx - px, cy - py) / size
                if dist > gate:
                    continue
                if speed > 5.0 and ((cx - ox) * track.vx + (cy - oy) * track.vy) / speed < -size:
                    continue  # vehicles do not reverse between frames: that is something else
                if len(track.path) >= STEADY and speed > 5.0 and abs(
                        (cx - px) * track.vy - (cy - py) * track.vx) / speed > SIDEWAYS * size:
                    # A vehicle on its way does not jump sideways by most of its size between
                    # frames: that blob is another one (entering the picture as this one slows
                    # to park, or in the next lane).
                    continue
                size_term = abs(math.log(max(blob.area, 1) / t_area))
                box_term = abs(math.log(max(blob.w * blob.h, 1) / max(tb.w * tb.h, 1)))
                if box_term > MAX_BOX_RATIO:
                    continue  # a truck's track must not jump onto the lump it left behind
                costs.append((dist + 0.5 * size_term, ti, bi))
        costs.sort()
        pairs = []
        used_t: set[int] = set()
        used_b: set[int] = set()
        for _, ti, bi in costs:
            if ti in used_t or bi in used_b:
                continue
            used_t.add(ti)
            used_b.add(bi)
            pairs.append((ti, bi))
        return pairs


def merge_near(boxes: list[Box], gap: float, min_area: float) -> list[Box]:
    """Join boxes less than `gap` apart: the pieces of a vehicle whose body matches the road
    in grey (only its windows, edges and shadow differ) become one box again."""
    merged = True
    items = list(boxes)
    while merged:
        merged = False
        out: list[Box] = []
        for b in items:
            for i, o in enumerate(out):
                grown = Box(int(o.x - gap), int(o.y - gap), int(o.w + 2 * gap), int(o.h + 2 * gap))
                if grown.intersection(b):
                    x0, y0 = min(o.x, b.x), min(o.y, b.y)
                    x1, y1 = max(o.x + o.w, b.x + b.w), max(o.y + o.h, b.y + b.h)
                    out[i] = Box(x0, y0, x1 - x0, y1 - y0, o.area + b.area)
                    merged = True
                    break
            else:
                out.append(b)
        items = out
    return [b for b in items if b.area >= min_area]
