"""Responsibility grids (责任网格) for a generated town: irregular cells that tile the town.

Cells are Voronoi regions of k-means centres of the street network, so each holds about the same
length of road; their straight edges are then bent by a smooth displacement field, which keeps
the cells a tiling (the field moves less than it stretches) but makes them look drawn by hand.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]


def _samples(lines: list[BaseGeometry], step: float) -> FloatArray:
    pts: list[FloatArray] = []
    for line in lines:
        for part in shapely.get_parts(line):
            n = max(int(part.length // step), 1)
            dists = np.linspace(0.0, part.length, n + 1)
            pts.append(shapely.get_coordinates(shapely.line_interpolate_point(part, dists)))
    return np.vstack(pts)


def kmeans(points: FloatArray, k: int, rng: np.random.Generator, iters: int = 30) -> FloatArray:
    centres = points[rng.choice(len(points), size=k, replace=False)].copy()
    for _ in range(iters):
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        for j in range(k):
            members = points[label == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    return centres


class Warp:
    """p -> p + a * (sin(y / l1 + f1), sin(x / l2 + f2)); a / l < 1 keeps it one-to-one."""

    def __init__(self, rng: np.random.Generator, amplitude: float, wavelength: float) -> None:
        self.a = amplitude
        self.l1, self.l2 = wavelength * rng.uniform(0.8, 1.2, size=2)
        self.f1, self.f2 = rng.uniform(0.0, 2 * math.pi, size=2)

    def __call__(self, pts: FloatArray) -> FloatArray:
        x, y = pts[:, 0], pts[:, 1]
        return np.column_stack([x + self.a * np.sin(y / self.l1 + self.f1),
                                y + self.a * np.sin(x / self.l2 + self.f2)])


def grid_cells(lines: list[BaseGeometry], outline: Polygon, k: int,
               rng: np.random.Generator) -> list[Polygon]:
    """k polygons tiling the warped outline, ordered north-west to south-east."""
    pts = _samples(lines, 40.0)
    centres = kmeans(pts, k, rng)
    envelope = outline.buffer(2000.0).envelope
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(centres), extend_to=envelope))
    warp = Warp(rng, amplitude=70.0, wavelength=260.0)
    out: list[Polygon] = []
    for cell in cells:
        clipped = cell.intersection(outline)
        dense = shapely.segmentize(clipped, 25.0)
        warped = shapely.transform(dense, warp)
        if warped.geom_type == "MultiPolygon":  # keep the main body of a cell cut by the outline
            warped = max(warped.geoms, key=lambda g: g.area)
        out.append(Polygon(warped.exterior))
    out.sort(key=lambda p: (-round(p.centroid.y / 800.0), p.centroid.x))
    return out


def grid_names(cells: list[Polygon]) -> list[str]:
    """Chinese grid names after the town's habit: quarter of town plus a serial number."""
    digits = "一二三四五六七八九十"
    allc = shapely.union_all(cells).centroid
    counts: dict[str, int] = {}
    names: list[str] = []
    for cell in cells:
        c = cell.centroid
        dx, dy = c.x - allc.x, c.y - allc.y
        if math.hypot(dx, dy) < 700.0:
            quarter = "中心"
        elif abs(dx) >= abs(dy):
            quarter = "东城" if dx > 0 else "西城"
        else:
            quarter = "北城" if dy > 0 else "南城"
        counts[quarter] = counts.get(quarter, 0) + 1
        n = counts[quarter]
        names.append(f"{quarter}{digits[n - 1] if n <= 10 else n}网格")
    return names
