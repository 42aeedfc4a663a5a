"""Synthetic road scenes for the video pipeline, with ground truth.

A fixed camera looks down on a road running across the image: textured asphalt, edge lines,
dashed lane lines. Vehicles of several kinds, sizes, colours and speeds cross it; some trucks
drop one lump or a trail of small particles; distractors (a vehicle that parks, a person who
walks in and stands, a shadow that falls and stays, a light change, camera shake, JPEG noise)
are what a spill detector must not report. Everything is drawn in units of the frame width, so
a scene renders the same at 640 or 1280 pixels. Planning (plan.py) and drawing are separate:
the truth is known before a frame is drawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from simulator.cameras.materials import Image, paint_lump, paint_particle, road_texture
from simulator.cameras.plan import Piece, Plan, Shadow, SimPerson, SimVehicle
from simulator.cameras.plan_make import make_plan

PAD = 4  # canvas margin, so camera shake can move the view without borders


@dataclass
class Scene:
    plan: Plan
    width: int
    height: int
    fps: float = 5.0
    quality: int = 85
    start_ts: float = 0.0
    _ground: Image | None = field(default=None, repr=False)

    @classmethod
    def make(cls, seed: int, width: int = 1280, height: int = 720, fps: float = 5.0,
             spill: bool | None = None, start_ts: float = 0.0) -> Scene:
        rng = np.random.default_rng(seed)
        plan = make_plan(rng, width, height, spill)
        quality = int(rng.integers(60, 93))
        return cls(plan, width, height, fps, quality, start_ts)

    @property
    def duration(self) -> float:
        return self.plan.duration

    def truth(self) -> dict[str, Any]:
        """Ground truth in full-frame pixels and scene times (start_ts added)."""
        p, t0 = self.plan, self.start_ts
        return {
            "spills": [{"vehicle": s.vehicle, "box": s.box, "first_ts": t0 + s.first_ts,
                        "last_ts": t0 + s.last_ts, "kind": s.kind, "material": s.material,
                        "gap": s.gap, "delta_e": s.delta_e, "textured": s.textured}
                       for s in p.spills],
            "vehicles": [{"id": v.id, "kind": v.kind, "parks": v.stop_x is not None}
                         for v in p.vehicles],
            "distractors": p.distractors,
        }

    def vehicle_box(self, vehicle: int, ts: float) -> list[int] | None:
        v = next(v for v in self.plan.vehicles if v.id == vehicle)
        return v.box(ts - self.start_ts, self.width)

    def frames(self) -> Iterator[tuple[float, bytes]]:
        """(ts, JPEG bytes) at the scene's rate, from 0 to its duration."""
        rng = np.random.default_rng(self.plan.seed + 7)
        n = int(self.duration * self.fps)
        for i in range(n):
            t = i / self.fps
            img = self.render(t, rng)
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            assert ok
            yield self.start_ts + t, buf.tobytes()

    def render(self, t: float, rng: np.random.Generator) -> Image:
        p = self.plan
        if self._ground is None:
            self._ground = self._background()
            self._landed = 0
        ground = self._ground
        while self._landed < len(p.pieces) and p.pieces[self._landed].ts <= t:
            self._paint(ground, p.pieces[self._landed])
            self._landed += 1
        img = ground.copy()
        for shadow in p.shadows:
            _shade(img, shadow, t)
        for person in p.people:
            _draw_bag(img, person, t)
        for v in p.vehicles:
            self._draw_vehicle(img, v, t)
        for person in p.people:
            _draw_person(img, person, t)
        light = p.light_at(t)
        if p.flicker:
            light *= 1.0 + float(rng.uniform(-p.flicker, p.flicker))
        if light != 1.0:
            img = cv2.convertScaleAbs(img, alpha=light)
        if p.noise:
            noise = rng.normal(0.0, p.noise, img.shape).astype(np.float32)
            img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
        dx, dy = (rng.integers(-p.shake, p.shake + 1, 2) if p.shake else (0, 0))
        return np.ascontiguousarray(
            img[PAD + dy:PAD + dy + self.height, PAD + dx:PAD + dx + self.width])

    def _background(self) -> Image:
        p, rng = self.plan, np.random.default_rng(self.plan.seed + 3)
        h, w = self.height + 2 * PAD, self.width + 2 * PAD
        img = road_texture(rng, h, w, p.road_level, p.grain, np.array(p.tint))
        verge = road_texture(rng, h, w, p.verge_level, p.grain * 1.5)
        y0, y1 = int(p.road_y0) + PAD, int(p.road_y1) + PAD
        img[:y0] = verge[:y0]
        img[y1:] = verge[y1:]
        line = max(2, self.width // 320)
        white = (225, 228, 230)
        cv2.line(img, (0, y0 + 3 * line), (w, y0 + 3 * line), white, line)
        cv2.line(img, (0, y1 - 3 * line), (w, y1 - 3 * line), white, line)
        dash = self.width // 16
        for k in range(1, p.lanes):
            y = int(y0 + k * (y1 - y0) / p.lanes)
            for x in range(-dash // 2 + (k * dash) % (2 * dash), w, 2 * dash):
                cv2.line(img, (x, y), (x + dash, y), white, line)
        return img

    def _paint(self, img: Image, piece: Piece) -> None:
        rng = np.random.default_rng(piece.seed)
        if piece.lump:
            paint_lump(img, piece.x + PAD, piece.y + PAD, piece.size, piece.material,
                       piece.colour, piece.textured, rng)
        else:
            paint_particle(img, piece.x + PAD, piece.y + PAD, piece.size, piece.colour, rng)

    def _draw_vehicle(self, img: Image, v: SimVehicle, t: float) -> None:
        box = v.box(t, self.width)
        if box is None:
            return
        x, y, w, h = (c + PAD if i < 2 else c for i, c in enumerate(box))
        off = max(2, h // 10)
        sub = img[y + off:y + h + off, x + off:x + w + off]
        sub[:] = (sub * 0.6).astype(np.uint8)  # the vehicle's own shadow
        cv2.rectangle(img, (x, y), (x + w, y + h), v.colour, -1)
        edge = max(2, h // 10)  # body panels and bumpers read as darker edges
        cv2.rectangle(img, (x, y), (x + w, y + h), tuple(int(c * 0.55) for c in v.colour), edge)
        sign = 1 if v.direction > 0 else -1
        front = x + w if sign > 0 else x
        if v.headlights:  # a warm pool of light on the road ahead
            _headlight(img, front + sign * w // 3, y + h // 2, max(4, w // 3), max(3, h // 2))
        rear = x if sign > 0 else x + w
        win = max(3, w // 9)
        dark = (35, 35, 40)
        if v.kind == "truck":  # cab, then a load bed with its cargo
            cab = max(8, w // 4)
            bx0 = x + 3 if sign > 0 else x + cab + 3
            bx1 = x + w - cab - 3 if sign > 0 else x + w - 3
            cv2.rectangle(img, (bx0, y + 3), (bx1, y + h - 3), v.load_colour, -1)
            for k in range(bx0 + 6, bx1 - 3, max(6, w // 12)):  # slats of the bed
                cv2.line(img, (k, y + 4), (k, y + h - 4), tuple(int(c * 0.7) for c in
                                                                 v.load_colour), edge)
            cv2.rectangle(img, (front - sign * 2 * win, y + 4), (front - sign * win, y + h - 4),
                          dark, -1)
        else:  # windscreen, roof, rear window
            cv2.rectangle(img, (front - sign * 3 * win, y + 4), (front - sign * 2 * win,
                                                                  y + h - 4), dark, -1)
            cv2.rectangle(img, (rear + sign * win, y + 5), (rear + sign * 2 * win, y + h - 5),
                          dark, -1)


def _shade(img: Image, s: Shadow, t: float) -> None:
    k = s.strength_at(t)
    if k <= 0.0:
        return
    cx, cy = s.centre_at(t)
    x0, y0 = max(0, int(cx - s.rx) + PAD), max(0, int(cy - s.ry) + PAD)
    x1 = min(img.shape[1], int(cx + s.rx) + PAD)
    y1 = min(img.shape[0], int(cy + s.ry) + PAD)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    ox, oy = int(cx) + PAD - x0, int(cy) + PAD - y0
    mask: Image = np.zeros((y1 - y0, x1 - x0), np.float32)
    if s.blobs:  # leaves: many small patches, sharp-ish
        for dx, dy, r in s.blobs:
            cv2.circle(mask, (int(ox + dx), int(oy + dy)), max(2, int(r)), 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, s.ry * 0.05))
    else:
        cv2.ellipse(mask, (ox, oy), (int(s.rx * 0.8), int(s.ry * 0.8)), 0, 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, s.rx * 0.12))
    sub = img[y0:y1, x0:x1].astype(np.float32)
    factor = 1.0 - k * (1.0 - s.factor) * mask[..., None]
    img[y0:y1, x0:x1] = np.clip(sub * factor, 0, 255).astype(np.uint8)


def _headlight(img: Image, x: int, y: int, rx: int, ry: int) -> None:
    x0, y0 = max(0, x - 2 * rx), max(0, y - 2 * ry)
    x1, y1 = min(img.shape[1], x + 2 * rx), min(img.shape[0], y + 2 * ry)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    mask: Image = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.ellipse(mask, (x - x0, y - y0), (rx, ry), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, rx * 0.3))
    warm = np.array([60, 90, 110], np.float32)  # BGR: a yellowish white
    sub = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = np.clip(sub + mask[..., None] * warm, 0, 255).astype(np.uint8)


def _draw_bag(img: Image, person: SimPerson, t: float) -> None:
    if person.bag is None or t < person.bag_down_at():
        return
    x, y = int(person.x) + PAD + person.size, int(person.y1) + PAD
    r = max(3, int(person.size * 0.8))
    cv2.rectangle(img, (x - r, y - r // 2), (x + r, y + r // 2), person.bag, -1)
    cv2.rectangle(img, (x - r, y - r // 2), (x + r, y + r // 2),
                  tuple(int(c * 0.6) for c in person.bag), 1)


def _draw_person(img: Image, person: SimPerson, t: float) -> None:
    pos = person.position(t)
    if pos is None:
        return
    x, y = int(pos[0]) + PAD, int(pos[1]) + PAD
    r = person.size
    cv2.ellipse(img, (x, y), (r, int(r * 0.6)), 0, 0, 360, person.colour, -1)
    cv2.circle(img, (x, y), max(2, int(r * 0.45)), (30, 40, 50), -1)
