"""The city as loaded from its folder (docs/contract.md §1), and the answer of a batch match."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from shapely.geometry.base import BaseGeometry

RoadClass = Literal["main", "secondary"]
InputCrs = Literal["wgs84", "gcj02", "bd09"]


@dataclass(frozen=True, slots=True)
class CitySettings:
    timezone: str = "Asia/Shanghai"
    window_start_min: int = 7 * 60 + 30  # minutes after local midnight
    window_end_min: int = 18 * 60 + 30
    required_passes: dict[str, int] = field(
        default_factory=lambda: {"main": 5, "secondary": 4})
    input_crs: InputCrs = "wgs84"


@dataclass(frozen=True, slots=True)
class Road:
    id: str
    name: str
    cls: RoadClass
    required: int  # passes a day, class default or the road's own override
    grid: str | None
    geometry: BaseGeometry  # WGS-84 lon/lat (LineString or MultiLineString)
    length_m: float


@dataclass(frozen=True, slots=True)
class Grid:
    id: str
    name: str
    inspectors: tuple[str, ...]
    geometry: BaseGeometry  # WGS-84 lon/lat (Polygon or MultiPolygon)


@dataclass(frozen=True, slots=True)
class Camera:
    id: str
    name: str
    source: str  # URL, file path or "push"
    road: str | None
    roi: tuple[tuple[float, float], ...] | None  # image pixels
    location: tuple[float, float] | None = None  # WGS-84 (lon, lat) where the camera stands


@dataclass(frozen=True, slots=True)
class City:
    name: str
    roads: tuple[Road, ...]
    grids: tuple[Grid, ...]
    cameras: tuple[Camera, ...]
    settings: CitySettings


@dataclass(frozen=True, slots=True)
class Matches:
    """Batch answer for N points: up to K candidate roads each, nearest first.

    road[i, k] is an index into CityIndex.roads, -1 where there is no k-th candidate within the
    tolerance. offset[i, k] is the distance in metres along that road from its start to the
    point's projection (linear referencing; for a MultiLineString, parts are laid end to end in
    file order). bearing[i, k] is the road's direction at that place, degrees clockwise from north
    in [0, 360), so a heading can be compared with it. Empty slots hold road -1 and NaN elsewhere;
    a point that is not finite gets no candidates.

    With a heading, roads whose bearing is more than 45 degrees off it (compared modulo 180,
    since roads are walked both ways) come after the roads that agree, each group nearest first;
    dist is always the true distance.
    """

    road: npt.NDArray[np.int32]  # (N, K)
    dist: npt.NDArray[np.float64]  # (N, K) metres from the road
    offset: npt.NDArray[np.float64]  # (N, K) metres along the road
    bearing: npt.NDArray[np.float64]  # (N, K) degrees
    x: npt.NDArray[np.float64]  # (N,) local metric coordinates of the points
    y: npt.NDArray[np.float64]  # (N,)
