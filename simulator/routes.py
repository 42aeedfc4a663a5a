"""One inspector's patrol day as a list of legs: walk (or ride) along an edge, or stand.

The day: the phone comes on at the start junction 10-13 minutes before the window opens, the
inspector waits there (a roll call) and sets off just after the window opens, repeats the tour
all day with a 10-12.5 minute lunch stop (short of the 15-minute idle rule), and carries on for
5-15 minutes after the window closes. No walk straddles the window edges in a way that could
half-count: the window opens while the inspector stands, and at closing time a road that cannot
be finished in time is not started (or only walked out to under half and back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from shapely.geometry import LineString
from shapely.ops import substring

from simulator.graph import FloatArray, RoadGraph, Step

LegKind = Literal["walk", "ride", "stand", "dark"]
MIN_SPEED, MAX_SPEED = 1.0, 1.5  # m/s on foot
LUNCH_S = (600.0, 750.0)


@dataclass(frozen=True, slots=True)
class Leg:
    kind: LegKind
    t0: float
    t1: float
    coords: FloatArray  # (M, 2) metres; one row when standing
    edge: int | None = None  # the edge walked or ridden, if any
    f0: float = 0.0  # fractions along the edge (from u) at t0 and t1
    f1: float = 0.0
    node: int | None = None  # the junction stood at, if any


Event = Callable[["DayPlanner"], None]


@dataclass
class DayPlanner:
    graph: RoadGraph
    device: str
    tour: list[Step]
    allowed: set[int]  # edges this inspector may walk on
    window: tuple[float, float]  # epoch seconds
    rng: np.random.Generator
    speed: float
    t: float = 0.0
    node: int = 0
    cursor: int = 0
    legs: list[Leg] = field(default_factory=list)
    events: list[tuple[float, Event]] = field(default_factory=list)
    alerts: list[dict[str, object]] = field(default_factory=list)

    # -- primitives ---------------------------------------------------------------------------
    def pace(self) -> float:
        return float(np.clip(self.speed * self.rng.uniform(0.93, 1.07), MIN_SPEED, MAX_SPEED))

    def here(self) -> FloatArray:
        return np.array(self.graph.node_xy[self.node][None, :], dtype=np.float64)

    def stand(self, seconds: float, kind: LegKind = "stand") -> None:
        self.legs.append(Leg(kind, self.t, self.t + seconds, self.here(), node=self.node))
        self.t += seconds

    def move(self, step: Step, kind: LegKind = "walk", speed: float | None = None,
             frac: tuple[float, float] | None = None) -> None:
        """Walk an edge (or part of it, given as fractions from u) and arrive at its end."""
        e = self.graph.edges[step[0]]
        f0, f1 = frac if frac is not None else ((0.0, 1.0) if step[1] else (1.0, 0.0))
        if (f0, f1) in ((0.0, 1.0), (1.0, 0.0)):
            coords = e.coords if f1 > f0 else e.coords[::-1]
        else:
            part = substring(LineString(e.coords), f0 * e.length, f1 * e.length)
            coords = np.asarray(part.coords, dtype=np.float64)
        dist = abs(f1 - f0) * e.length
        v = speed if speed is not None else self.pace()
        self.legs.append(Leg(kind, self.t, self.t + dist / v, coords, e.index, f0, f1))
        self.t += dist / v
        if f1 in (0.0, 1.0):
            self.node = e.u if f1 == 0.0 else e.v

    def walk_path(self, steps: list[Step], kind: LegKind = "walk") -> None:
        for s in steps:
            self.move(s, kind)

    def next_step(self) -> Step:
        step = self.tour[self.cursor % len(self.tour)]
        self.cursor += 1
        return step

    def step_seconds(self, step: Step) -> float:
        return self.graph.edges[step[0]].length / self.speed

    # -- the day ------------------------------------------------------------------------------
    def run(self) -> list[Leg]:
        ws, we = self.window
        self.node = self.graph.edges[self.tour[0][0]].u if self.tour[0][1] else \
            self.graph.edges[self.tour[0][0]].v
        self.t = ws - self.rng.uniform(600.0, 780.0)
        self.stand(ws + self.rng.uniform(5.0, 40.0) - self.t)
        lunch = ws + 4 * 3600 + self.rng.uniform(600.0, 1800.0)
        self.events.append((lunch, lambda p: p.stand(p.rng.uniform(*LUNCH_S))))
        self.events.sort(key=lambda ev: ev[0])
        while True:
            while self.events and self.events[0][0] <= self.t:
                _, event = self.events.pop(0)
                event(self)
            step = self.tour[self.cursor % len(self.tour)]
            if self.t + self.step_seconds(step) * 1.1 + 10.0 > we:
                break
            self.cursor += 1
            self.move(step)
        self._close_window()
        self._after_hours(self.rng.uniform(300.0, 900.0))
        return self.legs

    def _close_window(self) -> None:
        we = self.window[1]
        while True:
            left = we - self.t
            if left <= 600.0:
                self.stand(max(left, 0.0) + self.rng.uniform(20.0, 60.0))
                return
            # Walk the shortest road from here if it fits; else half of it out and back.
            options = sorted((self.graph.edges[ei].length, ei, to)
                             for ei, to in self.graph.adj[self.node] if ei in self.allowed)
            length, ei, _ = options[0]
            forward = self.graph.edges[ei].u == self.node
            if length / MIN_SPEED + 10.0 <= left:
                self.move((ei, forward), speed=MIN_SPEED)
                continue
            out = min(0.45, (left - 300.0) / 2.0 * MIN_SPEED / length)
            f_here = 0.0 if forward else 1.0
            f_out = out if forward else 1.0 - out
            self.move((ei, forward), speed=MIN_SPEED, frac=(f_here, f_out))
            self.move((ei, not forward), speed=MIN_SPEED, frac=(f_out, f_here))

    def _after_hours(self, seconds: float) -> None:
        """Stroll on (to the office, say); nothing counts any more, so any road will do."""
        end = self.t + seconds
        came_by = -1
        while self.t < end:
            options = [(ei, to) for ei, to in self.graph.adj[self.node] if ei in self.allowed]
            onward = [o for o in options if o[0] != came_by] or options
            ei, _ = onward[int(self.rng.integers(len(onward)))]
            self.move((ei, self.graph.edges[ei].u == self.node))
            came_by = ei
