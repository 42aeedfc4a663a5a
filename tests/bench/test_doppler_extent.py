"""The Doppler odometry study (bench/doppler_extent.py): how far a walk went, integrated from
its velocity along the road."""

from __future__ import annotations

import numpy as np

from bench.doppler_extent import odometry


def test_odometry_integrates_the_along_road_velocity_to_the_turn() -> None:
    # East at 1.2 m/s for 50 s, a 10 s stand, back west for 50 s; the road runs east.
    t = np.arange(1.0, 111.0)
    vx = np.where(t <= 50.0, 1.2, np.where(t <= 60.0, 0.0, -1.2))
    vel = np.column_stack((vx, np.zeros_like(vx)))
    east = np.tile([1.0, 0.0], (len(t), 1))
    assert abs(odometry(east, t, vel, 0.0) - 60.0) < 1.0  # the far end, not where it ended
    # Entered from the other end, the road's direction away from the entry is west: the same
    # walk went nowhere along it.
    assert odometry(-east, t, vel, 0.0) == 0.0
    # A walk across the road (north) goes nowhere along it.
    north = np.column_stack((np.zeros_like(vx), vx))
    assert odometry(east, t, north, 0.0) == 0.0
