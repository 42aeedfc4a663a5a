"""Responsibility grids (责任网格) for a generated town: irregular cells that tile the town.

Cells are power-diagram regions around k-means centres of the street network, weighted so each
holds about the same length of road; their straight edges are then bent by a smooth
displacement field, which keeps the cells a tiling (the field moves less than it stretches)
but makes them look drawn by hand.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon
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


def power_cells(centres: FloatArray, weights: FloatArray, box: Polygon) -> list[Polygon]:
    """Power diagram: cell j holds p where |p-c_j|^2 - w_j is smallest; a tiling of box."""
    minx, miny, maxx, maxy = box.bounds
    big = 4.0 * max(maxx - minx, maxy - miny)
    cells: list[Polygon] = []
    for j, cj in enumerate(centres):
        cell: BaseGeometry = box
        for i, ci in enumerate(centres):
            if i == j:
                continue
            # |p-cj|^2 - wj <= |p-ci|^2 - wi  <=>  2 p.(ci-cj) <= |ci|^2 - |cj|^2 - wi + wj
            n = ci - cj
            norm = float(np.hypot(*n))
            rhs = (float(ci @ ci - cj @ cj) - weights[i] + weights[j]) / (2.0 * norm)
            u = n / norm
            base = u * rhs  # a point on the boundary line
            t = np.array([-u[1], u[0]])
            half = Polygon([base + t * big, base - t * big, base - t * big - u * big,
                            base + t * big - u * big])
            cell = cell.intersection(half)
        cells.append(Polygon(cell.exterior) if not cell.is_empty else Polygon())
    return cells


class CellPlanner:
    """Power cells around k-means centres of a street network, warped and clipped to the town.

    Weights move the boundaries: raising w_j grows cell j. balance() equalises the length of
    line sampled in each cell; callers may nudge weights further with measured road lengths.
    """

    def __init__(self, lines: list[BaseGeometry], outline: Polygon, k: int,
                 rng: np.random.Generator) -> None:
        pts = _samples(lines, 40.0)
        self.pts = pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]
        self.centres = kmeans(self.pts, k, rng)
        self.outline = outline
        self.box = outline.buffer(500.0).envelope
        self.scale = self.box.area / k  # weights are squared metres
        self.warp = Warp(rng, amplitude=70.0, wavelength=260.0)

    def balance(self, iters: int = 60) -> FloatArray:
        weights = np.zeros(len(self.centres))
        target = len(self.pts) / len(self.centres)
        for k in range(iters):
            cells = power_cells(self.centres, weights, self.box)
            share = np.array([shapely.contains_xy(c, self.pts[:, 0], self.pts[:, 1]).sum()
                              for c in cells]) / target
            if np.abs(share - 1.0).max() < 0.03:
                break
            weights = weights - 0.4 * self.scale * (share - 1.0) * (0.97 ** k)
        return weights

    def cells(self, weights: FloatArray) -> list[Polygon]:
        out: list[Polygon] = []
        for cell in power_cells(self.centres, weights, self.box):
            dense = shapely.segmentize(cell.intersection(self.outline), 25.0)
            warped = shapely.transform(dense, self.warp)
            if warped.geom_type == "MultiPolygon":  # keep the main body of a cut-up cell
                warped = max(warped.geoms, key=lambda g: g.area)
            out.append(Polygon(warped.exterior))
        return out


def reading_order(cells: list[Polygon]) -> list[int]:
    """Indices of cells from north-west to south-east, the way a map is read."""
    return sorted(range(len(cells)),
                  key=lambda i: (-round(cells[i].centroid.y / 800.0), cells[i].centroid.x))


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
