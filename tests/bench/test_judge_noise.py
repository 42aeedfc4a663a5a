"""The bench's error models (bench/judge/noise.py) and receiver (receiver.py) have the spread,
time constant and tails they claim, measured on long seeded samples."""

from __future__ import annotations

import numpy as np
import pytest

from bench.judge.noise import WHITE_SHARE, NoiseSpec, bulk, gauss_markov, multipath

N = 200_000


def rng(seed: int = 5) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("kind", ["white", "gm", "mixture"])
@pytest.mark.parametrize("sigma", [3.0, 8.0, 15.0])
def test_bulk_error_has_the_stated_sigma_per_axis(kind: str, sigma: float) -> None:
    spec = NoiseSpec(kind, sigma, tau=(30.0, 30.0))
    e = bulk(spec, np.arange(float(N)), rng())
    tol = 0.06 if kind == "gm" else 0.02  # a correlated sample has fewer independent values
    assert np.allclose(e.std(axis=0), sigma, rtol=tol)
    assert np.allclose(e.mean(axis=0), 0.0, atol=0.05 * sigma)


@pytest.mark.parametrize("tau", [10.0, 30.0, 60.0])
def test_gauss_markov_decorrelates_with_its_time_constant(tau: float) -> None:
    e = gauss_markov(np.arange(float(N)), 5.0, tau, rng())[:, 0]
    lag = int(tau)
    r = float(np.corrcoef(e[:-lag], e[lag:])[0, 1])
    assert abs(r - np.exp(-1.0)) < 0.05
    # gaps (dropouts) are handled: 1 s and 5 s sampling give the same correlation per second
    t5 = np.arange(0.0, 5.0 * N, 5.0)
    e5 = gauss_markov(t5, 5.0, tau, rng(6))[:, 0]
    r5 = float(np.corrcoef(e5[:-1], e5[1:])[0, 1])
    assert abs(r5 - np.exp(-5.0 / tau)) < 0.03


def test_the_gm_model_keeps_a_white_part() -> None:
    e = bulk(NoiseSpec("gm", 8.0, tau=(60.0, 60.0)), np.arange(float(N)), rng())[:, 0]
    r1 = float(np.corrcoef(e[:-1], e[1:])[0, 1])
    assert abs(r1 - (1 - WHITE_SHARE) * np.exp(-1 / 60.0)) < 0.02


def test_heavy_tails_are_far_heavier_than_a_gaussian_of_the_same_sigma() -> None:
    gaussian_tail = 2 * 3.17e-5  # P(|z| > 4) for a standard normal
    for kind, least in (("student", 50.0), ("mixture", 20.0)):
        e = bulk(NoiseSpec(kind, 8.0), np.arange(float(N)), rng())[:, 0]
        tail = float(np.mean(np.abs(e) > 4 * 8.0))
        assert tail > least * gaussian_tail, kind
        assert np.std(e) == pytest.approx(8.0, rel=0.15)  # t3: finite but slow-settling


def test_no_cap_on_the_error() -> None:
    e = bulk(NoiseSpec("white", 8.0), np.arange(float(N)), rng())
    assert np.abs(e).max() > 4 * 8.0  # a 2.75 sigma cap would stop at 22 m


def test_isolated_jumps_hit_the_stated_share_with_30_to_100_m() -> None:
    t = np.arange(float(N))
    off, hit = multipath(NoiseSpec("gm", 5.0, jumps=0.02), t, rng())
    assert hit.mean() == pytest.approx(0.02, rel=0.05)
    size = np.hypot(off[hit, 0], off[hit, 1])
    assert size.min() >= 30.0 and size.max() <= 100.0
    assert not np.any(off[~hit])


def test_bursts_last_5_to_30_s_share_one_offset_and_cover_the_stated_share() -> None:
    t = np.arange(float(N))
    off, hit = multipath(NoiseSpec("gm", 5.0, bursts=0.02), t, rng())
    assert hit.mean() == pytest.approx(0.02, rel=0.25)
    edges = np.flatnonzero(np.diff(hit.astype(np.int8)))
    runs = np.diff(edges)[::2] if hit[0] == 0 else np.diff(edges)[1::2]
    assert np.median(runs) == pytest.approx(17.5, abs=4.0)
    start = edges[0] + 1
    assert np.all(off[start:start + 5] == off[start])
