"""CityIndex: the city's roads and grids in a local metric projection, queried in batches.

Matching is one batch pipeline with no per-point Python: a uniform grid of cells built from the
segment arrays gives every (point, segment) pair whose boxes may meet within the tolerance, numpy
computes the exact point-to-segment distances, one lexsort keeps each road's nearest segment per
point, and a second ranks the roads per point (heading disagreement first, then distance).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt
import shapely
from numpy.typing import ArrayLike

from geofence.model import City, Grid, Matches, Road
from geofence.projection import LocalProjection
from geofence.roadgraph import RoadGraph
from geofence.segments import build_segments

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]

HEADING_SLACK_DEG = 45.0  # a road more than this off the heading (mod 180) ranks after the rest
REACH_M = 60.0  # the farthest match(radius=...) looks


def _flat(a: ArrayLike, b: ArrayLike) -> tuple[F64, F64]:
    x, y = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return x.ravel(), y.ravel()


def _group_rank(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Position of each row within its run of equal (sorted) keys: 0, 1, 2, 0, 1, ..."""
    n = len(keys)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.append(starts, n))
    return np.arange(n, dtype=np.int64) - np.repeat(starts, sizes)


class _SegmentGrid:
    """Segments by square cell: each cell lists every segment whose bounding box, grown by the
    tolerance (and a hair), meets it. The segments of a point's cell are therefore a superset of
    those whose box comes within the tolerance of the point, found with a few numpy gathers:
    no geometry object per point (building query boxes cost more than matching itself)."""

    def __init__(self, x0: F64, y0: F64, x1: F64, y1: F64, tol: float) -> None:
        grow = tol * (1.0 + 1e-9) + 1e-6
        bx0, bx1 = np.minimum(x0, x1) - grow, np.maximum(x0, x1) + grow
        by0, by1 = np.minimum(y0, y1) - grow, np.maximum(y0, y1) + grow
        self.ox = float(bx0.min()) if len(bx0) else 0.0
        self.oy = float(by0.min()) if len(by0) else 0.0
        width = float(bx1.max()) - self.ox if len(bx0) else 0.0
        height = float(by1.max()) - self.oy if len(by0) else 0.0
        cell = max(2.0 * tol, 1.0)
        while (width / cell + 1.0) * (height / cell + 1.0) > 4e6:  # bounded memory
            cell *= 2.0
        self.cell = cell
        self.nx = int(width // cell) + 1
        self.ny = int(height // cell) + 1
        ix0, ix1 = self._cells(bx0, self.ox, self.nx), self._cells(bx1, self.ox, self.nx)
        iy0, iy1 = self._cells(by0, self.oy, self.ny), self._cells(by1, self.oy, self.ny)
        wide = ix1 - ix0 + 1
        count = wide * (iy1 - iy0 + 1)  # cells each segment's grown box meets
        seg_of = np.repeat(np.arange(len(x0), dtype=np.int64), count)
        k = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(np.cumsum(count) - count,
                                                                    count)
        w = wide[seg_of]
        cell_of = (iy0[seg_of] + k // w) * self.nx + ix0[seg_of] + k % w
        order = np.argsort(cell_of, kind="stable")  # within a cell, segments by index
        self.seg = seg_of[order]
        self.start = np.zeros(self.nx * self.ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell_of, minlength=self.nx * self.ny), out=self.start[1:])

    def _cells(self, v: F64, origin: float, n: int) -> npt.NDArray[np.int64]:
        return np.clip(np.floor((v - origin) / self.cell), 0, n - 1).astype(np.int64)

    def query(self, x: F64, y: F64) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(point, segment) index pairs, by point, then segment index; finite points only."""
        fx = np.floor((x - self.ox) / self.cell)
        fy = np.floor((y - self.oy) / self.cell)
        ok = np.flatnonzero((fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny))
        cell = fy[ok].astype(np.int64) * self.nx + fx[ok].astype(np.int64)
        first = self.start[cell]
        count = self.start[cell + 1] - first
        total = int(count.sum())
        p = np.repeat(ok, count)
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        return p, self.seg[np.repeat(first, count) + within]


class CityIndex:
    """Owns the projection, the segment arrays, the segment R-tree and the grid R-tree."""

    def __init__(self, city: City, tolerance: float = 25.0, reach: float = REACH_M) -> None:
        if not (math.isfinite(tolerance) and tolerance > 0.0):
            raise ValueError(f"tolerance must be a positive number of metres, got {tolerance}")
        self.city = city
        self.roads: tuple[Road, ...] = tuple(city.roads)
        self.grids: tuple[Grid, ...] = tuple(city.grids)
        self.road_ids: dict[str, int] = {r.id: i for i, r in enumerate(self.roads)}
        self.grid_ids: dict[str, int] = {g.id: i for i, g in enumerate(self.grids)}
        self.tolerance = float(tolerance)
        # match(radius=...) may look further than the tolerance, up to here (a fix reporting a
        # poor accuracy: its road may well be 30-40 m away).
        self.reach = max(self.tolerance, float(reach))
        road_geoms = [r.geometry for r in self.roads]
        grid_geoms = [g.geometry for g in self.grids]
        self._proj = LocalProjection.around(road_geoms + grid_geoms)
        self._seg = build_segments(road_geoms, self._proj)
        self.road_length: F64 = self._seg.road_length
        self.road_required: I32 = np.array([r.required for r in self.roads], dtype=np.int32)
        self.road_grid: I32 = np.array(
            [self.grid_ids.get(r.grid, -1) if r.grid is not None else -1 for r in self.roads],
            dtype=np.int32)
        seg = self._seg
        self._seg_grid = _SegmentGrid(seg.x0, seg.y0, seg.x1, seg.y1, self.tolerance)
        self._wide_grid: _SegmentGrid | None = None  # cells for the reach, built on first use
        self._grid_geoms = np.asarray(grid_geoms, dtype=object)
        # Prepared polygons answer point-in-polygon ~5x faster than a tree predicate query.
        shapely.prepare(self._grid_geoms)
        self._grid_tree = shapely.STRtree(self._grid_geoms)
        self._graph: RoadGraph | None = None
        log.debug("index: %d roads, %d segments, %d grids, tolerance %.1f m",
                  len(self.roads), len(seg), len(self.grids), self.tolerance)

    @property
    def graph(self) -> RoadGraph:
        """Where the roads meet and route distances between them (built on first use)."""
        if self._graph is None:
            self._graph = RoadGraph(self._seg)
        return self._graph

    def project(self, lon: ArrayLike, lat: ArrayLike) -> tuple[F64, F64]:
        """WGS-84 degrees to local metres (x east, y north from the city's centre)."""
        return self._proj.forward(lon, lat)

    def unproject(self, x: ArrayLike, y: ArrayLike) -> tuple[F64, F64]:
        return self._proj.inverse(x, y)

    def match(self, lon: ArrayLike, lat: ArrayLike, heading: ArrayLike | None = None,
              k: int = 3, arms: bool = False, radius: ArrayLike | None = None) -> Matches:
        """Up to k candidate roads per point within the tolerance; see Matches for the fields.

        ``radius`` (metres, one per point): look that far instead, between the tolerance and
        the index's reach (a fix's own error radius: a sequence matcher weighs the distance).

        ``arms``: a road that bends back near itself (a U-shape, a hairpin) is a candidate
        twice, once per arm: besides its nearest place, its nearest place more than twice the
        tolerance further along it (a map matcher must see both: the nearest arm flips with
        noise).

        ``heading`` (degrees, NaN for unknown; one per point or one for all) ranks roads whose
        bearing is more than 45 degrees off it, both directions allowed, after those that agree.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        x, y = self.project(*_flat(lon, lat))
        n = len(x)
        out_road = np.full((n, k), -1, dtype=np.int32)
        out_dist = np.full((n, k), np.nan)
        out_off = np.full((n, k), np.nan)
        out_bear = np.full((n, k), np.nan)
        seg, tol = self._seg, self.tolerance
        wide = None
        if radius is not None and n:
            wide = np.clip(np.broadcast_to(np.asarray(radius, dtype=np.float64), (n,)), tol,
                           self.reach)
            if not (wide > tol).any():
                wide = None
        if n and len(seg):
            grid = self._seg_grid
            if wide is not None:
                if self._wide_grid is None:
                    self._wide_grid = _SegmentGrid(seg.x0, seg.y0, seg.x1, seg.y1, self.reach)
                grid = self._wide_grid
            p, s = grid.query(x, y)  # non-finite points fall in no cell
            # Exact distance to the segment: project onto it, clamp to its ends.
            dx, dy = seg.x1[s] - seg.x0[s], seg.y1[s] - seg.y0[s]
            rx, ry = x[p] - seg.x0[s], y[p] - seg.y0[s]
            t = np.clip((rx * dx + ry * dy) / (seg.length[s] ** 2), 0.0, 1.0)
            d = np.hypot(rx - t * dx, ry - t * dy)
            near = d <= (tol if wide is None else wide[p])
            p, s, t, d = p[near], s[near], t[near], d[near]
            road = seg.road[s]
            # One row per (point, road): its nearest segment. A single float key (point, road,
            # then distance as a fraction below 1) argsorts ~10x faster than a 3-key lexsort;
            # integers stay exact in float64 up to 2**53, far beyond points * roads.
            rel = d / (2.0 * (tol if wide is None else self.reach))  # in [0, 0.5]
            order = np.argsort((p * len(self.roads) + road).astype(np.float64) + rel,
                               kind="stable")  # ties resolved the same in any batch
            p, s, t, d, road, rel = p[order], s[order], t[order], d[order], road[order], rel[order]
            first = np.ones(len(p), dtype=bool)
            first[1:] = (p[1:] != p[:-1]) | (road[1:] != road[:-1])
            if arms and len(p):
                off = seg.start[s] + t * seg.length[s]
                group = np.cumsum(first) - 1
                far = np.abs(off - off[first][group]) > tol
                # The nearest far place of each (point, road): the first far row of its group.
                far_rows = np.flatnonzero(far)
                _, at = np.unique(group[far_rows], return_index=True)
                first[far_rows[at]] = True
            p, s, t, d, road, rel = p[first], s[first], t[first], d[first], road[first], rel[first]
            bearing = seg.bearing[s]
            # Rank per point: roads against the heading after the rest, then by distance.
            key = p * 2.0
            if heading is not None:
                h = np.broadcast_to(np.asarray(heading, dtype=np.float64), (n,))[p]
                off_by = np.abs((h - bearing + 90.0) % 180.0 - 90.0)
                key += (off_by > HEADING_SLACK_DEG) * 1.0
            order = np.argsort(key * 2.0 + rel, kind="stable")
            p, s, t, d, road, bearing = (p[order], s[order], t[order], d[order], road[order],
                                         bearing[order])
            rank = _group_rank(p)
            top = rank < k
            p, s, t, d, road, bearing, rank = (p[top], s[top], t[top], d[top], road[top],
                                               bearing[top], rank[top])
            out_road[p, rank] = road
            out_dist[p, rank] = d
            out_off[p, rank] = np.clip(seg.start[s] + t * seg.length[s], 0.0,
                                       self.road_length[road])
            out_bear[p, rank] = bearing
        return Matches(road=out_road, dist=out_dist, offset=out_off, bearing=out_bear, x=x, y=y)

    def grid_of(self, lon: ArrayLike, lat: ArrayLike) -> I32:
        """Grid index of each point (its boundary counts as inside; the first grid in file
        order wins where grids overlap), -1 outside every grid."""
        lo, la = _flat(lon, lat)
        n = len(lo)
        best = np.full(n, np.iinfo(np.int32).max, dtype=np.int32)
        ok = np.flatnonzero(np.isfinite(lo) & np.isfinite(la))
        if len(ok) and self.grids:
            pairs = self._grid_tree.query(shapely.points(lo[ok], la[ok]))
            p, g = ok[pairs[0]], pairs[1]
            inside = shapely.intersects_xy(self._grid_geoms[g], lo[p], la[p])
            np.minimum.at(best, p[inside], g[inside].astype(np.int32))
        best[best == np.iinfo(np.int32).max] = -1
        return best

    def road_point(self, road: int, offset: float) -> tuple[float, float]:
        """(lon, lat) at ``offset`` metres along road index ``road`` (clamped to the road)."""
        if not 0 <= road < len(self.roads):
            raise IndexError(f"no road index {road}")
        seg = self._seg
        lo = int(seg.road_first[road])
        hi = int(seg.road_first[road + 1]) if road + 1 < len(self.roads) else len(seg)
        if hi == lo:
            raise ValueError(f"road {self.roads[road].id!r} has no length")
        offset = min(max(float(offset), 0.0), float(self.road_length[road]))
        i = lo + max(int(np.searchsorted(seg.start[lo:hi], offset, side="right")) - 1, 0)
        t = min(max((offset - seg.start[i]) / seg.length[i], 0.0), 1.0)
        px = seg.x0[i] + t * (seg.x1[i] - seg.x0[i])
        py = seg.y0[i] + t * (seg.y1[i] - seg.y0[i])
        lon, lat = self.unproject(px, py)
        return float(lon), float(lat)
