"""Where a case is: its location snapped to the nearest road (within the city's matching
tolerance) and the grid it lies in, through the city index (geofence/index.py)."""

from __future__ import annotations

import math

from cases.errors import Invalid
from cases.records import Place
from geofence.index import CityIndex


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance on the sphere (equirectangular: exact enough within a city)."""
    k = math.pi / 180.0
    x = (lon2 - lon1) * k * math.cos((lat1 + lat2) * 0.5 * k)
    y = (lat2 - lat1) * k
    return 6_371_000.0 * math.hypot(x, y)


class Locator:
    def __init__(self, index: CityIndex) -> None:
        self.index = index

    def place(self, lon: float, lat: float) -> Place:
        """The snapped place; Invalid (422) when the point is not in the city: outside every
        grid and farther than the matching tolerance from every road."""
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
                and -90 <= lat <= 90):
            raise Invalid("location is not a WGS-84 longitude/latitude", field="location")
        index = self.index
        g = int(index.grid_of([lon], [lat])[0])
        grid = index.grids[g].id if g >= 0 else None
        m = index.match([lon], [lat], k=1)
        r = int(m.road[0, 0])
        road = None
        if r >= 0:
            road = index.roads[r].id
            lon, lat = index.road_point(r, float(m.offset[0, 0]))
            if grid is None and index.road_grid[r] >= 0:
                grid = index.grids[int(index.road_grid[r])].id
        if road is None and grid is None:
            raise Invalid(f"location outside the city: in no grid and farther than "
                          f"{index.tolerance:g} m from every road", field="location")
        return Place(lon, lat, road, grid)
