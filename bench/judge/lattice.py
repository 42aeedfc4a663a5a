"""The judge's own generated city: a bent lattice with the shapes that trouble map matching.

Unlike simulator/citygen.py (which keeps roads apart so that walking one never seems to cover
another), this city seeks the hard cases: lattice streets with kinks and arcs meeting at skewed
junctions, diagonals across blocks, shallow forks (15-28 degrees), second carriageways 15-40 m
beside a street sharing its end junctions, hairpins whose legs run 24-36 m apart, and U-shaped
streets. Features are placed one per block and kept only if they cross nothing.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString

from bench.judge.geo import FloatArray, Plane
from bench.judge.streets import StreetMap, snap_pieces

Line = tuple[FloatArray, str, str, str, str]
ORIGIN = (113.30, 23.12)  # a made-up district; any place on Earth would do


def _bent(a: FloatArray, b: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A lattice street from a to b: straight, kinked once or twice, or an arc."""
    d = b - a
    n = np.array([-d[1], d[0]]) / np.hypot(*d)
    kind = rng.choice(["straight", "kink", "zigzag", "arc"], p=[0.2, 0.35, 0.2, 0.25])
    if kind == "straight":
        return np.array([a, b])
    if kind == "kink":
        return np.array([a, a + d * rng.uniform(0.35, 0.65) + n * rng.uniform(-22, 22), b])
    if kind == "zigzag":
        off = rng.uniform(8, 18)
        return np.array([a, a + d * 0.33 + n * off, a + d * 0.66 - n * off, b])
    sag = rng.uniform(12, 30) * rng.choice([-1.0, 1.0])
    t = np.linspace(0.0, 1.0, 17)
    return a + np.outer(t, d) + np.outer(4 * sag * t * (1 - t), n)


def _half(centre: FloatArray, r: float, start: FloatArray, bulge: FloatArray,
          steps: int = 13) -> FloatArray:
    """Half circle from centre + r*start to centre - r*start through centre + r*bulge."""
    t = np.linspace(0.0, math.pi, steps)
    return np.asarray(centre + r * (np.outer(np.cos(t), start) + np.outer(np.sin(t), bulge)),
                      dtype=np.float64)


def _frame(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    d = b - a
    length = float(np.hypot(*d))
    u = d / length
    return u, np.array([-u[1], u[0]]), length


def _feature(kind: str, a: FloatArray, b: FloatArray, c: FloatArray, edge: FloatArray,
             rng: np.random.Generator) -> FloatArray:
    """One block feature from corner a (b: the next corner along a block side, c: the corner
    across the block; edge: the lattice street a -> b)."""
    u, n, length = _frame(a, b)
    if (c - a) @ n < 0:
        n = -n  # n points into the block
    if kind == "diagonal":
        return np.array([a, a + (c - a) * 0.5 + n * rng.uniform(-15, 15), c])
    if kind == "fork":  # leaves a along a -> b at 15-28 degrees, bends off to c
        ang = math.radians(rng.uniform(15, 28))
        p = a + 90.0 * (u * math.cos(ang) + n * math.sin(ang))
        return np.array([a, a + 45.0 * (u * math.cos(ang) + n * math.sin(ang)), p,
                         p + (c - p) * 0.5 + u * 15.0, c])
    if kind == "twin":  # a second carriageway 15-40 m beside the street, same end junctions
        gap = rng.uniform(15, 40)
        side = LineString(edge).offset_curve(gap if (c - a) @ n > 0 else -gap)
        mid = np.asarray(side.coords)
        mid = mid[(np.hypot(*(mid - a).T) > 30) & (np.hypot(*(mid - b).T) > 30)]
        if len(mid) < 2:
            mid = np.array([a + u * 35 + n * gap, b - u * 35 + n * gap])
        if np.hypot(*(mid[0] - a)) > np.hypot(*(mid[-1] - a)):
            mid = mid[::-1]
        return np.vstack([a, mid, b])
    if kind == "hairpin":  # out along the block side, a tight turn, back, then across
        gap = rng.uniform(24, 36)
        off = rng.uniform(30, 40)
        reach = length * rng.uniform(0.55, 0.7)
        p0, p1 = a + n * off, a + n * off + u * reach
        turn = _half(p1 + n * gap / 2, gap / 2, -n, u)
        back = p1 + n * gap - u * reach * 0.6
        return np.vstack([a, p0, turn, back, back + (c - back) * 0.5 + u * 10, c])
    # "u": a U-shaped street from a to b, deep into the block
    depth = rng.uniform(40, 70)
    a1, b1 = a + u * 20 + n * depth, b - u * 20 + n * depth
    bottom = _half((a1 + b1) / 2, float(np.hypot(*(b1 - a1))) / 2, -u, n)
    return np.vstack([a, bottom, b])


def make_lattice(seed: int = 7, nx: int = 6, ny: int = 5, cell: float = 230.0) -> StreetMap:
    rng = np.random.default_rng(seed)
    nodes = {(i, j): np.array([i * cell + rng.uniform(-25, 25), j * cell + rng.uniform(-25, 25)])
             for i in range(nx + 1) for j in range(ny + 1)}
    edges: dict[tuple[tuple[int, int], tuple[int, int]], FloatArray] = {}
    for (i, j), p in nodes.items():
        for q in ((i + 1, j), (i, j + 1)):
            if q in nodes and rng.random() > 0.06:
                edges[((i, j), q)] = _bent(p, nodes[q], rng)
    placed = [LineString(xy) for xy in edges.values()]
    lines: list[Line] = []
    for k, ((_, _), xy) in enumerate(edges.items()):
        main = k % 3 == 0
        lines.append((xy, f"格{k}路" if main else f"格{k}巷", "main" if main else "secondary",
                      f"L{k:03d}", ""))
    kinds = ["diagonal", "fork", "twin", "hairpin", "u", "twin", "fork", "hairpin", "u", "none"]
    for i in range(nx):
        for j in range(ny):
            kind = kinds[int(rng.integers(len(kinds)))]
            if kind == "none":
                continue
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            s = int(rng.integers(4))
            a, b, c = corners[s], corners[(s + 1) % 4], corners[(s + 2) % 4]
            edge = edges.get((a, b)) if (a, b) in edges else edges.get((b, a))
            if edge is None:
                continue
            if np.hypot(*(edge[0] - nodes[a])) > 1.0:
                edge = edge[::-1]
            xy = _feature(kind, nodes[a], nodes[b], nodes[c], edge, rng)
            line = LineString(xy)
            ends = LineString([xy[0], xy[-1]]).boundary
            if not line.is_simple or any(
                    not line.intersection(o).difference(ends.buffer(0.5)).is_empty
                    for o in placed):
                continue
            placed.append(line)
            lines.append((xy, f"{kind}-{i}{j}", "secondary", f"{kind[0].upper()}{i}{j}", ""))
    snapped_nodes, pieces = snap_pieces(lines)
    return StreetMap("lattice", Plane(*ORIGIN), snapped_nodes, pieces)
