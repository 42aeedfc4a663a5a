"""The local metric projection: exact round trip, metric to better than 1e-4 across a city."""

from __future__ import annotations

import numpy as np
import pytest

from geofence.projection import LocalProjection

A, E2 = 6378137.0, 6.69437999014e-3


@pytest.mark.parametrize(("lon0", "lat0"), [(121.47, 31.23), (116.4, 39.9), (126.6, 45.75),
                                            (110.3, 20.0)])
def test_round_trip_and_local_scale(lon0: float, lat0: float) -> None:
    proj = LocalProjection(lon0, lat0)
    assert [float(v) for v in proj.forward(lon0, lat0)] == [0.0, 0.0]
    rng = np.random.default_rng(3)
    # A city 50 km across: 25 km each way from the centre.
    lon = lon0 + rng.uniform(-1, 1, 5000) * 25000 / (111320 * np.cos(np.radians(lat0)))
    lat = lat0 + rng.uniform(-1, 1, 5000) * 25000 / 110570
    x, y = proj.forward(lon, lat)
    back_lon, back_lat = proj.inverse(x, y)
    assert np.abs(back_lon - lon).max() < 1e-10 and np.abs(back_lat - lat).max() < 1e-10
    # Short steps measured on the ellipsoid (radii of curvature at the midpoint).
    phi = np.radians(lat)
    w = np.sqrt(1 - E2 * np.sin(phi) ** 2)
    m, n = A * (1 - E2) / w**3, A / w
    az = rng.uniform(0, 2 * np.pi, 5000)
    step = 40.0
    dlat = np.degrees(step * np.cos(az) / m)
    dlon = np.degrees(step * np.sin(az) / (n * np.cos(phi)))
    x0, y0 = proj.forward(lon - dlon / 2, lat - dlat / 2)
    x1, y1 = proj.forward(lon + dlon / 2, lat + dlat / 2)
    assert np.abs(np.hypot(x1 - x0, y1 - y0) / step - 1).max() < 1e-4
    # Axes point east and north.
    ex, ey = proj.forward(lon0 + 0.01, lat0)
    nx, ny = proj.forward(lon0, lat0 + 0.01)
    assert ex > 700 and abs(ey) < 1 and ny > 1100 and abs(nx) < 1e-9


def test_non_finite_gives_nan_quietly() -> None:
    proj = LocalProjection(121.0, 31.0)
    x, y = proj.forward([np.nan, np.inf, 121.0], [31.0, 31.0, np.nan])
    assert np.isnan(x).all() and np.isnan(y).all()
    lon, _ = proj.inverse([np.nan], [0.0])
    assert np.isnan(lon).all()


def test_centre_must_be_sane() -> None:
    with pytest.raises(ValueError, match="centre"):
        LocalProjection(float("nan"), 30.0)
    assert [float(v) for v in LocalProjection.around([]).forward(0.0, 0.0)] == [0.0, 0.0]
