"""Phone GPS error: a slowly wandering bias plus a little jitter, per axis, at 1 Hz.

Handset fixes come out of a Kalman filter, so their error is strongly correlated from one
second to the next: it drifts over tens of seconds (multipath, satellite geometry) rather than
jumping. The drift is an AR(1) process (correlation time tau_s) smoothed once more (smooth_s),
which keeps fix-to-fix steps small as on a real phone; white jitter adds the rest. sigma is the
standard deviation per axis, so the signed distance of fixes to the walked line has std sigma.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
CHUNK = 64  # longest chunk of the closed-form recursion


def recurse(u: FloatArray, phi: float, y0: float = 0.0) -> FloatArray:
    """y[t] = phi * y[t-1] + u[t], y[-1] = y0, for 0 <= phi <= 1, vectorised chunk by chunk."""
    if not 0.0 <= phi <= 1.0:
        raise ValueError(f"phi must be in [0, 1], got {phi}")
    if phi == 0.0:
        return np.array(u, dtype=np.float64)
    # Within a chunk y = phi^k (phi*prev + cumsum(u * phi^-k)); keep phi^-k below ~1e12.
    size = CHUNK if phi == 1.0 else int(min(CHUNK, max(1.0, 27.0 / -math.log(phi))))
    out = np.empty(len(u), dtype=np.float64)
    k = np.arange(size, dtype=np.float64)
    up, down = phi ** k, phi ** -k
    prev = y0
    for start in range(0, len(u), size):
        seg = u[start:start + size]
        m = len(seg)
        y = up[:m] * (phi * prev + np.cumsum(seg * down[:m]))
        out[start:start + m] = y
        prev = float(y[-1])
    return out


def drift(n: int, sigma: float, rng: np.random.Generator, tau_s: float = 60.0,
          smooth_s: float = 6.0) -> FloatArray:
    """Smoothed AR(1) noise of stationary standard deviation sigma."""
    p1, p2 = math.exp(-1.0 / tau_s), math.exp(-1.0 / smooth_s)
    x = recurse(rng.normal(0.0, math.sqrt(1 - p1 * p1), n), p1, rng.normal())
    # Var of y = (1-p2) * sum p2^k x[t-k]; start y in its stationary state as well.
    gain = (1 - p2) ** 2 * (1 + p1 * p2) / ((1 - p2 * p2) * (1 - p1 * p2))
    y = recurse((1 - p2) * x, p2, rng.normal(0.0, math.sqrt(gain)))
    return y * (sigma / math.sqrt(gain))


def fix_errors(n: int, sigma: float, rng: np.random.Generator, white_share: float = 0.08
               ) -> tuple[FloatArray, FloatArray]:
    """East and north errors in metres for n consecutive fixes.

    Not capped: a real receiver's error has no bound (the tracker must cope with fixes 3, 4 or
    5 sigma off; issue 12 removed the 2.75 sigma squeeze this simulator used to apply).
    """
    slow = sigma * math.sqrt(1 - white_share ** 2)
    fast = sigma * white_share
    ex = drift(n, slow, rng) + rng.normal(0.0, fast, n)
    ey = drift(n, slow, rng) + rng.normal(0.0, fast, n)
    return ex, ey
