"""The bench's handset (bench/judge/receiver.py): --along-only keeps the same error draws and
only their part along the street walked, so no road can be mistaken."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bench.judge.noise import NoiseSpec
from bench.judge.receiver import receive, true_track
from bench.judge.walkers import WALK
from tests.bench.test_judge_truth import city, walk


def test_along_only_keeps_the_along_road_part_of_the_same_error() -> None:
    c = city()
    # East along A, then north along B: the along-road direction turns at the junction.
    w = walk(c, [("A", 0, 200, 160, WALK), ("B", 0, 150, 120, WALK)])
    spec = NoiseSpec("gm", 8.0, jumps=0.02)
    side = np.zeros(len(c.streets))
    full = receive(c, w, spec, 1.0, True, False, side, np.random.default_rng(7))
    along = receive(c, w, spec, 1.0, True, False, side, np.random.default_rng(7), True)
    np.testing.assert_array_equal(full.t, along.t)
    xy_full = c.plane.to_xy(full.lon, full.lat)
    xy_along = c.plane.to_xy(along.lon, along.lat)
    truth, _, _ = true_track(c, w, full.t)
    on_a = truth[:, 0] < 199.0  # walking east on A (y = 0)
    on_b = truth[:, 0] > 199.9  # walking north on B (x = 200)
    assert on_a.sum() > 100 and on_b.sum() > 80
    # Every fix lies on the street walked: no error across it ...
    np.testing.assert_allclose(xy_along[on_a, 1], 0.0, atol=1e-6)
    np.testing.assert_allclose(xy_along[on_b, 0], 200.0, atol=1e-6)
    # ... and the error along it is the full fix's (uncapped: a jump of 30-100 m stays).
    np.testing.assert_allclose(xy_along[on_a, 0], xy_full[on_a, 0], atol=1e-6)
    np.testing.assert_allclose(xy_along[on_b, 1], xy_full[on_b, 1], atol=1e-6)
    assert np.abs(xy_full[:, 1][on_a]).max() > 10.0  # the full error did leave the street


def test_doppler_drift_moves_the_speeds_and_not_the_positions() -> None:
    c = city()
    # Twenty minutes up and down A: long enough for the drift to wander.
    w = walk(c, [("A", 0, 200, 160, WALK), ("A", 200, 0, 160, WALK)] * 4)
    spec = NoiseSpec("gm", 8.0)
    side = np.zeros(len(c.streets))
    white = receive(c, w, spec, 1.0, True, False, side, np.random.default_rng(7))
    drift = receive(c, w, spec, 1.0, True, False, side, np.random.default_rng(7),
                    drift=np.random.default_rng(8))
    np.testing.assert_array_equal(white.lon, drift.lon)  # the position's error is the same
    np.testing.assert_array_equal(white.lat, drift.lat)
    assert white.speed is not None and drift.speed is not None
    _, vel, _ = true_track(c, w, white.t)
    true_speed = np.hypot(vel[:, 0], vel[:, 1])
    n = len(true_speed) // 60 * 60

    def minute_means(speed: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray((speed - true_speed)[:n].reshape(-1, 60).mean(axis=1))

    # White noise (0.3 m/s) averages out over a minute: ~0.04 m/s is left (0.023-0.046 over
    # 40 seeds) ...
    assert minute_means(white.speed).std() < 0.06
    # ... a drifting Doppler's does not (0.069-0.19 over the same seeds).
    assert minute_means(drift.speed).std() > 0.06


def test_an_error_free_handset_still_reports_an_accuracy() -> None:
    # An accuracy of 0 m means "none" to Android (Location.getAccuracy) and to the tracker: a
    # handset whose fixes happen to be perfect says how good they are, not that it cannot.
    c = city()
    w = walk(c, [("A", 0, 200, 160, WALK)])
    fixes = receive(c, w, NoiseSpec("white", 0.0), 1.0, True, False, np.zeros(len(c.streets)),
                    np.random.default_rng(7))
    assert fixes.acc is not None
    assert fixes.acc.min() >= 1.0
    np.testing.assert_array_equal(fixes.err, 0.0)
