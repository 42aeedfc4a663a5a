"""The moves a walker can make from a junction: along a road to another of its junctions, or
along an off-road link. Any part of a road between two of its junctions may be walked, except
a part of 70-90 % of the road: such a walk lands by chance within a few
metres of the pass threshold (80 %), which no counter can be asked to settle under GPS error.
The bench's deliberate near misses are its partial walks (30-70 % and 75 %, walkers.py).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from bench.judge.streets import StreetMap

BORDERLINE = (0.70, 0.90)


@dataclass(frozen=True)
class Move:
    road: int  # -1: the off-road link `street`
    street: int
    start: int  # node
    end: int
    a: float  # offset along the road (or link) at start and at end
    b: float
    whole: bool  # walks the whole road, end to end

    @property
    def length(self) -> float:
        return abs(self.b - self.a)

    def reverse_of(self, other: Move | None) -> bool:
        return other is not None and self.road == other.road and self.street == other.street \
            and self.start == other.end


def road_nodes(city: StreetMap, road: int) -> list[tuple[int, float]]:
    """(node, offset along the road) of the road's junctions, in order."""
    out = []
    for si in city.roads[road].streets:
        s = city.streets[si]
        out.append((s.v if s.rev else s.u, s.off))
    last = city.streets[city.roads[road].streets[-1]]
    out.append((last.u if last.rev else last.v, last.off + last.length))
    return out


def all_moves(city: StreetMap) -> dict[int, list[Move]]:
    moves: dict[int, list[Move]] = defaultdict(list)
    for r in city.roads:
        nodes = road_nodes(city, r.index)
        last = len(nodes) - 1
        for i, (n, o) in enumerate(nodes):
            for j, (e, oe) in enumerate(nodes):
                whole = {i, j} == {0, last}
                share = abs(oe - o) / r.length
                if i != j and (whole or not BORDERLINE[0] <= share <= BORDERLINE[1]):
                    moves[n].append(Move(r.index, -1, n, e, o, oe, whole))
    for s in city.streets:
        if s.road < 0:
            moves[s.u].append(Move(-1, s.index, s.u, s.v, 0.0, s.length, False))
            moves[s.v].append(Move(-1, s.index, s.v, s.u, s.length, 0.0, False))
    return moves


def route(moves: dict[int, list[Move]], start: int, wanted: set[int]) -> list[Move]:
    """The shortest sequence of moves from `start` whose last move walks a whole road of
    `wanted` (Dijkstra over walked length); [] if none."""
    dist = {start: 0.0}
    back: dict[int, Move] = {}
    heap = [(0.0, start)]
    best: tuple[float, Move] | None = None
    while heap:
        d, n = heapq.heappop(heap)
        if d > dist.get(n, float("inf")) or (best is not None and d >= best[0]):
            continue
        for m in moves[n]:
            nd = d + m.length
            if m.whole and m.road in wanted and (best is None or nd < best[0]):
                best = (nd, m)
            if nd < dist.get(m.end, float("inf")):
                dist[m.end] = nd
                back[m.end] = m
                heapq.heappush(heap, (nd, m.end))
    if best is None:
        return []
    path = [best[1]]
    n = best[1].start
    while n != start:
        path.append(back[n])
        n = back[n].start
    return path[::-1]
