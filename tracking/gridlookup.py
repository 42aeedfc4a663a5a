"""Which grid each released fix is in, asking the index only when a device changed grid.

CityIndex.grid_of builds a shapely point per fix and queries the grid R-tree: about as costly as
road matching itself. Devices stay in one grid for hours, so each fix is first tested against its
device's last grid (one vectorised intersects_xy per grid on a prepared copy, ~100x cheaper);
only the fixes that left it, or have no last grid, go to grid_of. A grid overlapping an earlier
grid in file order is never trusted this way, since grid_of gives the earlier one precedence.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
import shapely

from geofence.index import CityIndex

log = logging.getLogger(__name__)


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

    def lookup(self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
               hint: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Grid index per point (-1 for none); `hint` is each point's device's last grid."""
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
