"""What happens in a synthetic scene, decided before anything is drawn (so truth is exact)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PALETTE = [(235, 235, 235), (30, 30, 35), (160, 160, 165), (40, 40, 190), (160, 80, 30),
           (40, 180, 220), (60, 120, 60), (100, 100, 100), (20, 90, 200)]
KINDS = {"car": (0.09, 0.13, 0.055, 0.065), "van": (0.12, 0.15, 0.06, 0.07),
         "truck": (0.17, 0.24, 0.065, 0.08)}  # length and width ranges, in frame widths


@dataclass
class SimVehicle:
    id: int
    kind: str
    length: float  # pixels
    width: float
    colour: tuple[int, int, int]
    load_colour: tuple[int, int, int]
    lane_y: float
    direction: int  # +1 left to right, -1 right to left
    enter_ts: float
    speed: float  # pixels per second
    stop_x: float | None = None  # left edge where it parks
    headlights: bool = False  # lamps lit: a bright pool moves on the road ahead of it

    def left(self, t: float, width: int) -> float:
        run = self.speed * (t - self.enter_ts)
        if self.direction > 0:
            x = -self.length + run
            return min(x, self.stop_x) if self.stop_x is not None else x
        x = width - run
        return max(x, self.stop_x) if self.stop_x is not None else x

    def box(self, t: float, width: int) -> list[int] | None:
        if t < self.enter_ts:
            return None
        x = self.left(t, width)
        if x > width or x + self.length < 0:
            return None
        return [int(x), int(self.lane_y - self.width / 2), int(self.length), int(self.width)]

    def time_rear_at(self, x: float, width: int) -> float:
        """When the vehicle's rear edge passes x (material falls off the back)."""
        if self.direction > 0:  # rear is the left edge
            return self.enter_ts + (x + self.length) / self.speed
        return self.enter_ts + (width - (x - self.length)) / self.speed


@dataclass
class Piece:
    ts: float
    x: int
    y: int
    size: int
    lump: bool
    material: str
    colour: tuple[int, ...]
    seed: int
    textured: bool = True


@dataclass
class Shadow:
    x: float
    y: float
    rx: float
    ry: float
    factor: float  # brightness under the full shadow
    start: float
    fade: float
    kind: str = "shadow"  # shadow (a building's, falling), cloud (drifts), tree (sways)
    vx: float = 0.0  # pixels per second (a cloud's drift)
    sway: float = 0.0  # pixels (a tree's leaves in the wind)
    blobs: list[tuple[float, float, float]] = field(default_factory=list)  # dx, dy, r: leaves

    def strength_at(self, t: float) -> float:
        return float(np.clip((t - self.start) / self.fade, 0.0, 1.0))

    def centre_at(self, t: float) -> tuple[float, float]:
        dx = self.vx * max(0.0, t - self.start)
        if self.sway:
            dx += self.sway * float(np.sin(2.1 * t) + 0.5 * np.sin(5.3 * t + 1.0))
        return self.x + dx, self.y


@dataclass
class SimPerson:
    x: float
    y0: float
    y1: float  # walks from y0 to y1 then stands
    start: float
    speed: float
    size: int
    colour: tuple[int, int, int]
    bag: tuple[int, int, int] | None = None  # a bag put down, then the person walks away
    stand_s: float = 2.0  # seconds standing before walking back (with a bag)

    def position(self, t: float) -> tuple[float, float] | None:
        if t < self.start:
            return None
        d = self.speed * (t - self.start)
        span = self.y1 - self.y0
        walk = abs(span) / self.speed
        if self.bag is not None and t > self.start + walk + self.stand_s:
            d = max(0.0, 2 * abs(span) + self.speed * self.stand_s - d)  # walking back
            if d <= 0.0:
                return None  # gone off the road
        return self.x, self.y0 + float(np.sign(span)) * min(abs(span), d)

    def bag_down_at(self) -> float:
        return self.start + abs(self.y1 - self.y0) / self.speed + 0.5 * self.stand_s


@dataclass
class SpillTruth:
    vehicle: int
    box: list[int]
    first_ts: float
    last_ts: float
    kind: str
    material: str
    gap: float = 0.0  # grey levels between material and road
    delta_e: float = 0.0  # colour difference to the road (CIE76)
    textured: bool = True


@dataclass
class Plan:
    seed: int
    duration: float
    road_y0: float
    road_y1: float
    lanes: int
    road_level: float
    verge_level: float
    grain: float
    vehicles: list[SimVehicle]
    pieces: list[Piece]
    spills: list[SpillTruth]
    shadows: list[Shadow] = field(default_factory=list)
    people: list[SimPerson] = field(default_factory=list)
    light: tuple[float, float, float] | None = None  # start, ramp seconds, final factor
    shake: int = 0
    distractors: list[str] = field(default_factory=list)
    tint: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the road's colour cast (BGR)
    noise: float = 0.0  # per-frame colour noise of each channel (a camera in low light)
    flicker: float = 0.0  # frame-to-frame brightness wobble (lamps on mains, auto-exposure)

    def light_at(self, t: float) -> float:
        if self.light is None:
            return 1.0
        start, ramp, final = self.light
        k = float(np.clip((t - start) / ramp, 0.0, 1.0))
        return 1.0 + k * (final - 1.0)
