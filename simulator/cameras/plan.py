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


@dataclass
class Shadow:
    x: float
    y: float
    rx: float
    ry: float
    factor: float  # brightness under the full shadow
    start: float
    fade: float

    def strength_at(self, t: float) -> float:
        return float(np.clip((t - self.start) / self.fade, 0.0, 1.0))


@dataclass
class SimPerson:
    x: float
    y0: float
    y1: float  # walks from y0 to y1 then stands
    start: float
    speed: float
    size: int
    colour: tuple[int, int, int]

    def position(self, t: float) -> tuple[float, float] | None:
        if t < self.start:
            return None
        d = self.speed * (t - self.start)
        span = self.y1 - self.y0
        return self.x, self.y0 + float(np.sign(span)) * min(abs(span), d)


@dataclass
class SpillTruth:
    vehicle: int
    box: list[int]
    first_ts: float
    last_ts: float
    kind: str
    material: str


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

    def light_at(self, t: float) -> float:
        if self.light is None:
            return 1.0
        start, ramp, final = self.light
        k = float(np.clip((t - start) / ramp, 0.0, 1.0))
        return 1.0 + k * (final - 1.0)
