"""The judge's street graph: streets between junction nodes, in metres on a local plane, and the
city's roads, each a chain of one or more streets.

Walkers walk streets; the pass rule counts roads. A road usually runs junction to junction (one
street), but a real city's short links at complex junctions belong to a neighbouring road
rather than to no road: a walker on them is on that road. Streets of no road (`road == -1`)
are kept only where a walker must cross between separate parts of a city and are well away
from every road but the ones they join.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from bench.judge.geo import FloatArray, Plane, cumulative


@dataclass
class Street:
    index: int
    road: int  # index into StreetMap.roads, -1: no road
    u: int  # node at xy[0]
    v: int  # node at xy[-1]
    xy: FloatArray
    off: float = 0.0  # offset along its road of the street's end at u ...
    rev: bool = False  # ... and whether the road runs v -> u along it
    cum: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.cum = cumulative(self.xy)

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    def other(self, node: int) -> int:
        return self.v if node == self.u else self.u

    def on_road(self, s: float) -> float:
        """Offset along the road of the point s metres from this street's u end."""
        return self.off + (self.length - s if self.rev else s)


@dataclass
class Road:
    index: int
    id: str
    name: str
    cls: str  # "main" or "secondary"
    streets: list[int]
    xy: FloatArray
    grid: str = ""

    @property
    def length(self) -> float:
        return float(cumulative(self.xy)[-1])


@dataclass
class Piece:
    """A street before it is numbered: its end nodes, its geometry from u to v, and the id of
    its road (pieces of one road are given in order along it); None: no road."""

    u: int
    v: int
    xy: FloatArray
    name: str
    cls: str
    road: str | None
    grid: str = ""


class StreetMap:
    def __init__(self, name: str, plane: Plane, nodes: dict[int, FloatArray],
                 pieces: list[Piece]) -> None:
        """Keeps the largest connected part (walkers must be able to reach every road)."""
        self.name = name
        self.plane = plane
        keep = _largest_component(pieces)
        pieces = [p for p in pieces if p.u in keep and p.u != p.v]
        self.streets: list[Street] = []
        self.roads: list[Road] = []
        chains: dict[str, list[Piece]] = defaultdict(list)
        for p in pieces:
            if p.road is not None:
                chains[p.road].append(p)
        for rid, chain in chains.items():
            self._add_road(rid, chain)
        for p in pieces:
            if p.road is None:
                self.streets.append(Street(len(self.streets), -1, p.u, p.v, p.xy))
        self.nodes = {n: nodes[n] for n in keep}
        self.adj: dict[int, list[int]] = defaultdict(list)
        for s in self.streets:
            self.adj[s.u].append(s.index)
            self.adj[s.v].append(s.index)

    def _add_road(self, rid: str, chain: list[Piece]) -> None:
        ri = len(self.roads)
        # the node the road starts from: the first piece's end not shared with the second
        at = chain[0].u
        if len(chain) > 1 and chain[0].u in (chain[1].u, chain[1].v):
            at = chain[0].v
        parts, members, off = [], [], 0.0
        for p in chain:
            if at not in (p.u, p.v):
                raise ValueError(f"road {rid}: its pieces do not join end to end")
            rev = at == p.v
            st = Street(len(self.streets), ri, p.u, p.v, p.xy, off, rev)
            self.streets.append(st)
            members.append(st.index)
            parts.append(p.xy[::-1] if rev else p.xy)
            off += st.length
            at = p.u if rev else p.v
        xy = np.vstack([parts[0]] + [q[1:] for q in parts[1:]])
        self.roads.append(Road(ri, rid, chain[0].name, chain[0].cls, members, xy,
                               chain[0].grid))

    def route_to(self, start: int, wanted: set[int]) -> list[int]:
        """Streets of the shortest walk from node `start` that ends by walking one street of
        `wanted` (Dijkstra over street lengths); [] if none can be reached."""
        dist = {start: 0.0}
        back: dict[int, tuple[int, int]] = {}  # node -> (street, previous node)
        heap = [(0.0, start)]
        best: tuple[float, int, int] | None = None  # (length, street, node it starts from)
        while heap:
            d, n = heapq.heappop(heap)
            if d > dist.get(n, float("inf")) or (best is not None and d >= best[0]):
                continue
            for si in self.adj[n]:
                s = self.streets[si]
                nd = d + s.length
                if si in wanted and (best is None or nd < best[0]):
                    best = (nd, si, n)
                m = s.other(n)
                if nd < dist.get(m, float("inf")):
                    dist[m] = nd
                    back[m] = (si, n)
                    heapq.heappush(heap, (nd, m))
        if best is None:
            return []
        path = [best[1]]
        n = best[2]
        while n != start:
            si, n = back[n]
            path.append(si)
        return path[::-1]

    def summary(self) -> str:
        km = sum(r.length for r in self.roads) / 1000.0
        lengths = [r.length for r in self.roads]
        return (f"{self.name}: {len(self.roads)} roads ({km:.1f} km, {min(lengths):.0f}-"
                f"{max(lengths):.0f} m), {len(self.streets)} streets, "
                f"{sum(s.road < 0 for s in self.streets)} off-road links, "
                f"{len(self.nodes)} junctions")


def _largest_component(pieces: list[Piece]) -> set[int]:
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for p in pieces:
        parent[find(p.u)] = find(p.v)
    groups: dict[int, set[int]] = defaultdict(set)
    for n in list(parent):
        groups[find(n)].add(n)
    return max(groups.values(), key=len) if groups else set()


def connect_parts(nodes: dict[int, FloatArray], pieces: list[Piece]) -> list[Piece]:
    """Straight off-road links joining separate parts of the network at their closest
    junctions (a city's patrolled roads need not form one network; its walkers still cross)."""
    out = list(pieces)
    while True:
        main = _largest_component(out)
        linked = {p.u for p in out} | {p.v for p in out}
        rest = sorted(linked - main)
        if not rest:
            return out
        ids = sorted(main)
        inside = np.array([nodes[n] for n in ids])
        best = (float("inf"), -1, -1)
        for n in rest:
            d = np.hypot(*(inside - nodes[n]).T)
            k = int(np.argmin(d))
            if d[k] < best[0]:
                best = (float(d[k]), n, ids[k])
        _, a, b = best
        out.append(Piece(a, b, np.array([nodes[a], nodes[b]]), "", "secondary", None))


def snap_pieces(lines: list[tuple[FloatArray, str, str, str, str]], snap_m: float = 1.0
                ) -> tuple[dict[int, FloatArray], list[Piece]]:
    """One-street roads from polylines (xy, name, class, road id, grid): ends within snap_m
    share a junction node."""
    nodes: dict[int, FloatArray] = {}
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)

    def node_at(p: FloatArray) -> int:
        cx, cy = int(p[0] // snap_m), int(p[1] // snap_m)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for n in cells[(cx + dx, cy + dy)]:
                    if float(np.hypot(*(nodes[n] - p))) <= snap_m:
                        return n
        n = len(nodes)
        nodes[n] = np.asarray(p, dtype=np.float64)
        cells[(cx, cy)].append(n)
        return n

    pieces = []
    for xy, name, cls, rid, grid in lines:
        u, v = node_at(xy[0]), node_at(xy[-1])
        fixed = xy.copy()
        fixed[0], fixed[-1] = nodes[u], nodes[v]  # ends exactly on their junctions
        pieces.append(Piece(u, v, fixed, name, cls, rid, grid))
    return nodes, pieces
