"""The walkable street network of a city: roads cut at every junction into edges, in metres.

Roads usually meet at their ends, but a city file may let a road cross or touch another in the
middle; such roads are cut there so that an inspector can turn at every real junction. Each
edge remembers its road and where along that road it lies (linear referencing), which is what
the ground-truth pass counter needs.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from geofence.model import City
from simulator.geo import LocalProjection

FloatArray = npt.NDArray[np.float64]
Step = tuple[int, bool]  # (edge index, walked from u to v)

SNAP_M = 2.0  # junction ends closer than this are one node


@dataclass(frozen=True, slots=True)
class Edge:
    index: int
    road: int  # index into City.roads
    u: int
    v: int
    coords: FloatArray  # (M, 2) metres, from u to v
    length: float
    off_u: float  # metres along the road at u and at v
    off_v: float


def _cuts(geom: BaseGeometry, others: Iterable[BaseGeometry]) -> list[Point]:
    pts: list[Point] = []
    for other in others:
        for part in shapely.get_parts(geom.intersection(other)):
            pts.extend(Point(c) for c in shapely.get_coordinates(part))
        for c in shapely.get_coordinates(shapely.boundary(other)):
            if geom.distance(Point(c)) < SNAP_M:
                pts.append(Point(c))
    return pts


class RoadGraph:
    def __init__(self, city: City, proj: LocalProjection) -> None:
        self.city = city
        self.proj = proj
        metric = [proj.geom_to_xy(r.geometry) for r in city.roads]
        self.road_length = [float(m.length) for m in metric]  # same metres as the offsets
        tree = shapely.STRtree(metric)
        raw: list[tuple[int, FloatArray, float, float]] = []
        for ri, geom in enumerate(metric):
            near = [metric[j] for j in tree.query(geom, predicate="dwithin", distance=SNAP_M)
                    if j != ri]
            cuts = _cuts(geom, near)
            start = 0.0
            for part in shapely.get_parts(geom):
                offs = sorted({round(part.project(p), 3) for p in cuts
                               if part.distance(p) < SNAP_M})
                marks = [0.0, *[o for o in offs if SNAP_M < o < part.length - SNAP_M], part.length]
                for a, b in itertools.pairwise(marks):
                    piece = substring(part, a, b)
                    raw.append((ri, shapely.get_coordinates(piece), start + a, start + b))
                start += part.length
        self.edges, self.node_xy = self._build(raw)
        self.adj: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for e in self.edges:
            self.adj[e.u].append((e.index, e.v))
            if e.v != e.u:
                self.adj[e.v].append((e.index, e.u))

    @staticmethod
    def _build(raw: list[tuple[int, FloatArray, float, float]]
               ) -> tuple[list[Edge], FloatArray]:
        ends = np.array([[c[0], c[-1]] for _, c, _, _ in raw]).reshape(-1, 2)
        tree = shapely.STRtree(shapely.points(ends))
        parent = list(range(len(ends)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        left, right = tree.query(shapely.points(ends), predicate="dwithin", distance=SNAP_M)
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            parent[find(a)] = find(b)
        roots: dict[int, int] = {}
        node_of = [roots.setdefault(find(i), len(roots)) for i in range(len(ends))]
        node_xy = np.zeros((len(roots), 2))
        for i, n in enumerate(node_of):
            node_xy[n] = ends[i]
        edges = []
        for k, (ri, coords, a, b) in enumerate(raw):
            length = float(np.hypot(*np.diff(coords, axis=0).T).sum())
            edges.append(Edge(k, ri, node_of[2 * k], node_of[2 * k + 1], coords, length, a, b))
        return edges, node_xy

    # -- queries -----------------------------------------------------------------------------
    def step_coords(self, step: Step) -> FloatArray:
        e = self.edges[step[0]]
        return e.coords if step[1] else e.coords[::-1]

    def step_end(self, step: Step) -> int:
        e = self.edges[step[0]]
        return e.v if step[1] else e.u

    def grid_edges(self, grid: str) -> set[int]:
        return {e.index for e in self.edges if self.city.roads[e.road].grid == grid}

    def nodes_of(self, edges: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for i in edges:
            out.update((self.edges[i].u, self.edges[i].v))
        return out

    def dijkstra(self, sources: dict[int, float], allowed: set[int]
                 ) -> tuple[dict[int, float], dict[int, tuple[int, int]]]:
        """Distances from the nearest source over allowed edges; pred[node] = (edge, from)."""
        dist = dict(sources)
        pred: dict[int, tuple[int, int]] = {}
        heap = [(d, n) for n, d in sources.items()]
        heapq.heapify(heap)
        while heap:
            d, n = heapq.heappop(heap)
            if d > dist.get(n, np.inf):
                continue
            for ei, m in self.adj[n]:
                if ei not in allowed:
                    continue
                nd = d + self.edges[ei].length
                if nd < dist.get(m, np.inf):
                    dist[m] = nd
                    pred[m] = (ei, n)
                    heapq.heappush(heap, (nd, m))
        return dist, pred

    def path(self, a: int, b: int, allowed: set[int]) -> list[Step]:
        _, pred = self.dijkstra({a: 0.0}, allowed)
        if b != a and b not in pred:
            raise ValueError(f"no path from node {a} to node {b}")
        steps: list[Step] = []
        n = b
        while n != a:
            ei, prev = pred[n]
            steps.append((ei, self.edges[ei].u == prev))
            n = prev
        return steps[::-1]

    def components(self, edges: set[int]) -> list[set[int]]:
        """Connected groups of the given edges, largest first."""
        seen: set[int] = set()
        out: list[set[int]] = []
        by_node: dict[int, list[int]] = defaultdict(list)
        for i in edges:
            by_node[self.edges[i].u].append(i)
            by_node[self.edges[i].v].append(i)
        for i in sorted(edges):
            if i in seen:
                continue
            group, stack = set(), [i]
            while stack:
                j = stack.pop()
                if j in group:
                    continue
                group.add(j)
                for n in (self.edges[j].u, self.edges[j].v):
                    stack.extend(k for k in by_node[n] if k not in group)
            seen |= group
            out.append(group)
        out.sort(key=lambda g: (-sum(self.edges[i].length for i in g), min(g)))
        return out

    def line(self, steps: list[Step]) -> LineString:
        return LineString(np.vstack([self.step_coords(s) for s in steps]))
