"""The road graph: where roads meet, and route distances between places on roads.

The map matcher (tracking/matcher.py) weighs a move from one road to another by the distance a
walker must cover along the roads, against the straight line between the fixes (Newson & Krumm
2009). Roads arrive as geometry only, so the graph is found from it: two roads are connected
where they cross or where one ends within JOIN_M of the other. Every such place becomes a
*port* on each road (its offset along the road); ports follow each other along their road and
a junction joins the ports of the roads that meet there.

Route distances between ports are precomputed up to BOUND_M, as FMM's upper-bounded
origin-destination table does (Yang & Gidófalvi 2018): a Dijkstra from every port, stopped at
the bound, into a dict. A place on a road reaches the graph through the port just before it or
just after it, so a route between two places is the best of four table look-ups; anything
farther than the bound is no route (a fix cannot have moved that far along the roads).
"""

from __future__ import annotations

import bisect
import heapq
import math
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    from geofence.segments import Segments

JOIN_M = 3.0  # a road ending this close to another is joined to it
BOUND_M = 400.0  # routes longer than this are not looked up


class RoadGraph:
    def __init__(self, seg: Segments, bound_m: float = BOUND_M, join_m: float = JOIN_M) -> None:
        self.bound = bound_m
        self.join = join_m
        n_roads = len(seg.road_length)
        self.length = seg.road_length.tolist()
        ports: list[list[float]] = [[] for _ in range(n_roads)]  # offsets per road
        links: list[tuple[int, float, int, float, float]] = []  # road a, off a, road b, off b, gap
        if len(seg):
            lines = shapely.linestrings(
                np.stack([np.column_stack((seg.x0, seg.y0)), np.column_stack((seg.x1, seg.y1))],
                         axis=1))
            tree = shapely.STRtree(lines)
            i, j = tree.query(lines, predicate="dwithin", distance=join_m)
            keep = seg.road[i] < seg.road[j]
            i, j = i[keep], j[keep]
            if len(i):
                short = shapely.shortest_line(lines[i], lines[j])
                ends = shapely.get_coordinates(short).reshape(-1, 2, 2)
                gap = np.hypot(*(ends[:, 1] - ends[:, 0]).T)
                pa = shapely.points(ends[:, 0])
                pb = shapely.points(ends[:, 1])
                oa = seg.start[i] + shapely.line_locate_point(lines[i], pa)
                ob = seg.start[j] + shapely.line_locate_point(lines[j], pb)
                # Crossings, and ends near another road; two roads merely passing close side by
                # side (a dual carriageway) meet nowhere.
                ra, rb = seg.road[i], seg.road[j]
                la, lb = seg.road_length[ra], seg.road_length[rb]
                end_a = (oa <= join_m) | (oa >= la - join_m)
                end_b = (ob <= join_m) | (ob >= lb - join_m)
                real = (gap < 1e-6) | end_a | end_b
                for a, x, b, y, g in zip(ra[real].tolist(), oa[real].tolist(),
                                         rb[real].tolist(), ob[real].tolist(),
                                         gap[real].tolist(), strict=True):
                    links.append((a, x, b, y, g))
        # Ports: per road, offsets merged within a metre (a junction seen from two segments).
        for a, x, b, y, _ in links:
            ports[a].append(x)
            ports[b].append(y)
        self.ports: list[list[float]] = []
        self.first: list[int] = []  # global id of each road's first port
        total = 0
        for offs in ports:
            offs.sort()
            merged: list[float] = []
            for o in offs:
                if not merged or o - merged[-1] > 1.0:
                    merged.append(o)
            self.first.append(total)
            self.ports.append(merged)
            total += len(merged)
        self.n = total
        adj: list[list[tuple[int, float]]] = [[] for _ in range(total)]
        for r, offs in enumerate(self.ports):
            base = self.first[r]
            for k in range(len(offs) - 1):
                w = offs[k + 1] - offs[k]
                adj[base + k].append((base + k + 1, w))
                adj[base + k + 1].append((base + k, w))
        for a, x, b, y, g in links:
            pa_, pb_ = self._port(a, x), self._port(b, y)
            adj[pa_].append((pb_, g))
            adj[pb_].append((pa_, g))
        self.road_of = [r for r, offs in enumerate(self.ports) for _ in offs]
        # The bounded origin-destination table: port -> {port: metres}.
        self.table: list[dict[int, float]] = [self._dijkstra(adj, s) for s in range(total)]

    def _port(self, road: int, off: float) -> int:
        offs = self.ports[road]
        k = bisect.bisect_left(offs, off - 1.0)
        k = min(k, len(offs) - 1)
        if k + 1 < len(offs) and abs(offs[k + 1] - off) < abs(offs[k] - off):
            k += 1
        return self.first[road] + k

    def _dijkstra(self, adj: list[list[tuple[int, float]]], src: int) -> dict[int, float]:
        dist = {src: 0.0}
        heap = [(0.0, src)]
        bound = self.bound
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            for v, w in adj[u]:
                nd = d + w
                if nd <= bound and nd < dist.get(v, math.inf):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
        return dist

    def port_at(self, road: int, off: float) -> int:
        """The port of `road` within a metre of `off` (global id), -1 if none."""
        offs = self.ports[road]
        k = bisect.bisect_left(offs, off - 1.0)
        if k < len(offs) and offs[k] <= off + 1.0:
            return self.first[road] + k
        return -1

    def meets(self, port: int, road: int) -> float | None:
        """Where `road` has a port at the junction of `port` (its offset), None if it has none
        there: the roads that meet at one place are joined within `join` metres."""
        if self.road_of[port] == road:
            return self.ports[road][port - self.first[road]]
        row = self.table[port]
        first = self.first[road]
        best, at = self.join + 1.0, None
        for k, off in enumerate(self.ports[road]):
            d = row.get(first + k)
            if d is not None and d <= best:
                best, at = d, off
        return at

    def around(self, road: int, off: float) -> tuple[tuple[int, float], ...]:
        """The ports just before and just after `off` on `road`, with the distance to each."""
        offs = self.ports[road]
        if not offs:
            return ()
        k = bisect.bisect_right(offs, off)
        base = self.first[road]
        if k == 0:
            return ((base, offs[0] - off),)
        if k == len(offs):
            return ((base + k - 1, off - offs[k - 1]),)
        return ((base + k - 1, off - offs[k - 1]), (base + k, offs[k] - off))

    def route(self, a: int, oa: float, b: int, ob: float) -> float:
        """Metres along the roads from `oa` on road a to `ob` on road b (inf beyond the
        bound or unconnected)."""
        if a == b:
            return abs(ob - oa)
        return self.route_via(a, oa, b, ob)[0]

    def route_via(self, a: int, oa: float, b: int, ob: float) -> tuple[float, float, float]:
        """(metres, offset on a where the route leaves it, offset on b where it joins it)."""
        best = (math.inf, oa, ob)
        table = self.table
        ports = self.ports
        first = self.first
        for pa, da in self.around(a, oa):
            row = table[pa]
            for pb, db in self.around(b, ob):
                mid = row.get(pb)
                if mid is not None:
                    d = da + mid + db
                    if d < best[0]:
                        best = (d, ports[a][pa - first[a]], ports[b][pb - first[b]])
        return best
