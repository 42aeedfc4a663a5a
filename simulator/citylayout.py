"""The street plan of a generated county town, in metres around its centre, before grids.

A Chinese county town grows around an old centre: a slightly rotated lattice of arterial roads
(主干道), a ring road where the old wall stood, a newer diagonal avenue, a river with a road
on its bank, and secondary streets (次干道/支路) that fill the blocks, some of them curved or
ending at the next arterial. Everything is drawn as long named lines here; citygen cuts them
into road pieces at junctions and grid boundaries.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from geofence.model import RoadClass

MAIN_NAMES = ("人民路", "建设路", "解放路", "中山路", "胜利路", "文化路", "和平路", "新华路",
              "青年路", "工业路", "迎宾路", "振兴路")
SECONDARY_NAMES = ("光明街", "幸福街", "团结街", "育才街", "花园街", "东风街", "健康街",
                   "长安街", "春晖街", "永安街", "兴隆街", "桂花巷", "槐荫巷", "书院街",
                   "仓前街", "府前街")


@dataclass(frozen=True, slots=True)
class NamedLine:
    name: str
    cls: RoadClass
    geometry: BaseGeometry  # metres; LineString or, after clipping, MultiLineString


@dataclass(frozen=True, slots=True)
class Layout:
    outline: Polygon  # the built-up area
    lines: tuple[NamedLine, ...]


def town_outline(rng: np.random.Generator, radius: float) -> Polygon:
    """A blob: a circle whose radius wobbles with a few low harmonics."""
    theta = np.linspace(0.0, 2 * math.pi, 181)[:-1]
    r = np.full_like(theta, radius)
    for k in (2, 3, 4):
        r += radius * rng.uniform(0.03, 0.07) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    return Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))


def _rot(pts: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.asarray(pts @ np.array([[c, s], [-s, c]]), dtype=np.float64)


def _lattice_positions(rng: np.random.Generator, extent: float, spacing: float) -> list[float]:
    n = int(2 * extent // spacing)
    start = -spacing * (n - 1) / 2.0
    return [start + i * spacing + rng.uniform(-0.08, 0.08) * spacing for i in range(n)]


def generate_layout(rng: np.random.Generator, radius: float = 2400.0,
                    spacing: float = 920.0) -> Layout:
    outline = town_outline(rng, radius)
    angle = math.radians(rng.uniform(-12.0, 12.0))
    ext = radius * 1.3
    main_names = list(MAIN_NAMES)
    sec_names = list(SECONDARY_NAMES)
    rng.shuffle(main_names)
    rng.shuffle(sec_names)
    lines: list[NamedLine] = []

    def add(name: str, cls: RoadClass, pts: np.ndarray) -> None:
        clipped = LineString(_rot(pts, angle)).intersection(outline)
        if not clipped.is_empty and clipped.length > 0:
            lines.append(NamedLine(name, cls, clipped))

    mains_x = _lattice_positions(rng, radius, spacing)
    mains_y = _lattice_positions(rng, radius, spacing)
    # Arterials through the middle of town; the outer lattice lines are lesser streets.
    for c in mains_x:
        central = abs(c) < 1.2 * spacing
        add(main_names.pop() if central else sec_names.pop(), "main" if central else "secondary",
            np.array([[c, -ext], [c, ext]]))
    for c in mains_y:
        central = abs(c) < 1.2 * spacing
        add(main_names.pop() if central else sec_names.pop(), "main" if central else "secondary",
            np.array([[-ext, c], [ext, c]]))
    # Secondary streets halfway between arterials, each running only a few blocks.
    for across, positions in (("x", mains_x), ("y", mains_y)):
        for a, b in itertools.pairwise(positions):
            if rng.random() < 0.25:
                continue
            mid = (a + b) / 2.0
            lo = rng.uniform(-radius, 0.0)
            hi = lo + rng.uniform(0.9, 1.9) * spacing * 1.5
            pts = np.array([[mid, lo], [mid, hi]] if across == "x" else [[lo, mid], [hi, mid]])
            add(sec_names.pop(), "secondary", pts)
    # A winding lane across the middle band: a sinusoid between two east-west arterials.
    band = sorted(mains_y)[len(mains_y) // 2 - 1: len(mains_y) // 2 + 1]
    y0 = (band[0] + band[1]) / 2.0 + spacing * 0.18
    xs = np.linspace(-ext, ext, 241)
    wave = 0.12 * spacing * np.sin(2 * math.pi * xs / (2.1 * spacing) + rng.uniform(0, 6.3))
    add(sec_names.pop(), "secondary", np.column_stack([xs, y0 + wave]))
    # The river bank road follows a meandering river near the northern edge.
    yr = sorted(mains_y)[-1] - spacing * 0.42
    river = yr + 0.10 * spacing * np.sin(2 * math.pi * xs / (3.3 * spacing) + rng.uniform(0, 6.3))
    add("滨河路", "main", np.column_stack([xs, river]))
    # Ring road on the line of the old town wall, round a centre off the lattice crossings.
    cx, cy = rng.uniform(-0.2, 0.2, size=2) * spacing
    ring_r = 1.22 * spacing
    th = np.linspace(0.0, 2 * math.pi, 361)
    add("环城路", "main", np.column_stack([cx + ring_r * np.cos(th), cy + ring_r * np.sin(th)]))
    # A newer avenue cutting diagonally from the south-west to the north-east.
    off = rng.uniform(-0.25, 0.25) * spacing
    add("泰山大道", "main", np.array([[-ext, -ext + off], [ext, ext + off]]))
    return Layout(outline=outline, lines=tuple(lines))
