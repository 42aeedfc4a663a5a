"""Which grid each released fix is in, asking the index only when a device changed grid.

CityIndex.grid_of builds a shapely point per fix and queries the grid R-tree: about as costly as
road matching itself. Devices stay in one grid for hours, so each fix is first tested against its
device's last grid (one vectorised intersects_xy per grid on a prepared copy, ~100x cheaper);
only the fixes that left it, or have no last grid, go to grid_of. A grid overlapping an earlier
grid in file order is never trusted this way, since grid_of gives the earlier one precedence.
Before either, a coarse grid of cells answers every fix in a cell that lies well inside one grid
or away from all of them (most fixes), with no polygon test at all.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
import shapely

from geofence.index import CityIndex

log = logging.getLogger(__name__)


UNKNOWN = -2


class _Cells:
    """The grids' bounding box cut into at most SIDE x SIDE cells, each answering for every point
    in it when it can: -1 when no grid comes near the cell, g when grid g covers the cell and no
    other grid comes near it, UNKNOWN otherwise (a boundary runs through it). Cells are grown by
    a hair before they are judged, so a point rounded into a neighbouring cell is answered
    right too; only points in UNKNOWN cells need a polygon test."""

    SIDE = 48
    GROW = 1e-7  # degrees, about 1 cm

    def __init__(self, geoms: list[object], prepared: list[object]) -> None:
        if not geoms:
            self.nx = self.ny = 0
            return
        # The box is grown too: a point outside it is well away from every grid.
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(np.asarray(geoms, dtype=object)))
        self.x0, self.y0 = x0 - 10 * self.GROW, y0 - 10 * self.GROW
        self.dx = max((x1 + 10 * self.GROW - self.x0) / self.SIDE, 1e-6)
        self.dy = max((y1 + 10 * self.GROW - self.y0) / self.SIDE, 1e-6)
        self.nx, self.ny = self.SIDE, self.SIDE
        ix, iy = np.meshgrid(np.arange(self.nx), np.arange(self.ny))
        cx0 = self.x0 + ix.ravel() * self.dx - self.GROW
        cy0 = self.y0 + iy.ravel() * self.dy - self.GROW
        boxes = shapely.box(cx0, cy0, cx0 + self.dx + 2 * self.GROW,
                            cy0 + self.dy + 2 * self.GROW)
        near = np.zeros(len(boxes), dtype=np.int32)  # grids meeting each cell
        answer = np.full(len(boxes), -1, dtype=np.int32)
        for g, geom in enumerate(prepared):
            hits = np.flatnonzero(shapely.intersects(geom, boxes))
            near[hits] += 1
            covered = hits[shapely.covers(geom, boxes[hits])]
            answer[covered] = g
        answer[(near > 1) | ((near == 1) & (answer < 0))] = UNKNOWN
        self.answer = answer

    def lookup(self, lon: npt.NDArray[np.float64],
               lat: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
        if not self.nx:
            return np.full(len(lon), -1, dtype=np.int32)
        fx = np.floor((lon - self.x0) / self.dx)
        fy = np.floor((lat - self.y0) / self.dy)
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        out = np.full(len(lon), -1, dtype=np.int32)
        ok = np.flatnonzero(inside)
        out[ok] = self.answer[fy[ok].astype(np.int64) * self.nx + fx[ok].astype(np.int64)]
        return out  # -1 outside the grids' (grown) box and for points that are not finite


class GridLookup:
    def __init__(self, index: CityIndex) -> None:
        self.index = index
        self.prepared = []
        self.trusted: list[bool] = []
        geoms = [g.geometry for g in index.grids]
        for i, geom in enumerate(geoms):
            copy = shapely.from_wkb(shapely.to_wkb(geom))  # prepare a copy, not the city's
            shapely.prepare(copy)
            self.prepared.append(copy)
            self.trusted.append(not any(geom.intersection(other).area > 0.0
                                        for other in geoms[:i]))
        self._geoms = geoms
        self._cells: _Cells | None = None  # built on first use

    def lookup(self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
               hint: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Grid index per point (-1 for none); `hint` is each point's device's last grid."""
        if self._cells is None:
            self._cells = _Cells(self._geoms, self.prepared)
        out = self._cells.lookup(lon, lat)
        todo = np.flatnonzero(out == UNKNOWN)
        if len(todo) < len(out):
            if len(todo):
                out[todo] = self._lookup(lon[todo], lat[todo], hint[todo])
            return out
        return self._lookup(lon, lat, hint)

    def _lookup(self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
                hint: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        out = np.full(len(lon), -1, dtype=np.int32)
        unresolved = np.ones(len(lon), dtype=bool)
        for g in np.unique(hint[hint >= 0]).tolist():
            if not self.trusted[g]:
                continue
            sel = np.flatnonzero(hint == g)
            inside = shapely.intersects_xy(self.prepared[g], lon[sel], lat[sel])
            out[sel[inside]] = g
            unresolved[sel[inside]] = False
        rest = np.flatnonzero(unresolved)
        if len(rest):
            out[rest] = self.index.grid_of(lon[rest], lat[rest])
        return out
