"""Phone-like GPS error: the asked standard deviation, correlated from second to second."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.gpsnoise import fix_errors, recurse


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=1, max_size=300), st.floats(0.0, 0.999),
       st.floats(-5, 5))
def test_vectorised_recursion_equals_the_loop(u: list[float], phi: float, y0: float) -> None:
    expected, y = [], y0
    for v in u:
        y = phi * y + v
        expected.append(y)
    assert np.allclose(recurse(np.array(u), phi, y0), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("sigma", [3.0, 8.0, 15.0])
def test_error_has_the_asked_spread_and_small_steps(sigma: float) -> None:
    ex, ey = fix_errors(200_000, sigma, np.random.default_rng(4))
    assert ex.std() == pytest.approx(sigma, rel=0.08)
    assert ey.std() == pytest.approx(sigma, rel=0.08)
    assert abs(ex.mean()) < 0.1 * sigma
    # Fixes a second apart differ far less than independent errors would (sqrt(2) sigma).
    assert np.diff(ex).std() < 0.2 * sigma
    assert np.corrcoef(ex[:-30], ex[30:])[0, 1] > 0.4


def test_seeded_and_zero_means_none() -> None:
    a = fix_errors(1000, 8.0, np.random.default_rng(1))
    b = fix_errors(1000, 8.0, np.random.default_rng(1))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    zx, zy = fix_errors(1000, 0.0, np.random.default_rng(1))
    assert not zx.any() and not zy.any()
