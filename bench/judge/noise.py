"""GNSS position error models from the literature, with no cap on the error.

sigma is the standard deviation per horizontal axis (east, north), so a 2-D error has RMS
sigma*sqrt(2) and a 68 % radius of about 1.5 sigma. Sources for the magnitudes and shapes:
- Newson & Krumm, "Hidden Markov map matching through noise and sparseness", ACM SIGSPATIAL GIS
  2009: cross-track error of vehicle GPS fitted as a zero-mean Gaussian, sigma_z = 4.07 m;
  smartphone studies put pedestrian error at 5-10 m (Zandbergen & Barbeau, "Positional
  accuracy of assisted GPS data from high-sensitivity GPS-enabled mobile phones", Journal of
  Navigation 64(3), 2011: median errors 5-8.5 m with outliers; Merry & Bettinger, "Smartphone
  GPS accuracy study in an urban environment", PLoS ONE 14(7), 2019: 7-13 m). Here 3-15 m.
- Time correlation: consecutive GNSS fixes share most of their error (atmosphere, orbit, clock,
  slowly changing multipath); the standard model is a first-order Gauss-Markov process
  (Gelb, "Applied Optimal Estimation", 1974; Rankin, "GPS and differential GPS: an error model
  for sensor simulation", IEEE PLANS 1994), here with a time constant of 10-60 s, plus a
  smaller white part (receiver noise).
- Heavy tails: smartphone error distributions have far heavier tails than a Gaussian
  (van Diggelen, "GNSS accuracy: lies, damn lies, and statistics", GPS World 18(1), 2007,
  on why 95 % and RMS figures of real receivers do not follow the Gaussian ratios;
  Zandbergen & Barbeau 2011): a Student-t with 3 degrees of freedom, or a two-Gaussian mixture
  (10 % of fixes with three times the spread).
- Multipath and non-line-of-sight reception in dense streets: errors of tens of metres, up to
  about 100 m, alone or lasting for seconds (Hsu, "Analysis and modeling GPS NLOS effect in
  highly urbanized area", GPS Solutions 22:7, 2018; Groves et al., "A portfolio approach to
  NLOS and multipath mitigation in dense urban areas", ION GNSS+ 2013): jumps of 30-100 m in a
  random direction, isolated or in bursts of 5-30 s with one common offset.
- Urban canyons: buildings block satellites across the street, so the error is largest across
  the street's axis and can hold to one side (Wang, Groves & Ziebart, "Multi-constellation
  GNSS performance evaluation for urban canyons using large virtual reality city models",
  Journal of Navigation 65(3), 2012): a steady offset perpendicular to the street, the same side
  all day for a given street.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench.judge.geo import FloatArray

BoolArray = npt.NDArray[np.bool_]
WHITE_SHARE = 0.25  # share of the variance of "gm" that is white receiver noise


@dataclass(frozen=True)
class NoiseSpec:
    kind: str  # "white", "gm", "student", "mixture"
    sigma: float  # per-axis standard deviation of the bulk error (m)
    tau: tuple[float, float] = (10.0, 60.0)  # gm: time constant drawn per walker (s)
    jumps: float = 0.0  # share of fixes with an isolated multipath jump of 30-100 m
    bursts: float = 0.0  # share of fixes inside multipath bursts of 5-30 s
    canyon_m: float = 0.0  # steady offset across the street

    def label(self) -> str:
        parts = [f"{self.kind} σ{self.sigma:g}"]
        if self.jumps:
            parts.append(f"jumps {100 * self.jumps:g}%")
        if self.bursts:
            parts.append(f"bursts {100 * self.bursts:g}%")
        if self.canyon_m:
            parts.append(f"canyon {self.canyon_m:g} m")
        return " + ".join(parts)


def gauss_markov(t: FloatArray, sigma: float, tau: float, rng: np.random.Generator
                 ) -> FloatArray:
    """First-order Gauss-Markov error per axis at times t (any spacing): stationary standard
    deviation sigma, autocorrelation exp(-lag / tau)."""
    n = len(t)
    phi = np.exp(-np.diff(t, prepend=t[:1]) / tau)
    w = rng.standard_normal((n, 2)) * sigma * np.sqrt(1.0 - phi ** 2)[:, None]
    w[0] = rng.standard_normal(2) * sigma  # start in the stationary distribution
    ph, wx, wy = phi.tolist(), w[:, 0].tolist(), w[:, 1].tolist()
    ex = ey = 0.0
    for k in range(n):  # a recursion; plain floats keep it at ~0.2 us a fix
        ex = ph[k] * ex + wx[k]
        ey = ph[k] * ey + wy[k]
        wx[k], wy[k] = ex, ey
    return np.asarray(np.column_stack((wx, wy)), dtype=np.float64)


def student(n: int, sigma: float, rng: np.random.Generator, nu: float = 3.0) -> FloatArray:
    """Bivariate Student-t (one scale per fix, so the radius is heavy-tailed), per-axis standard
    deviation sigma (nu > 2)."""
    scale = sigma * np.sqrt((nu - 2.0) / nu)
    g = np.sqrt(nu / rng.chisquare(nu, n))
    return np.asarray(rng.standard_normal((n, 2)) * (scale * g)[:, None], dtype=np.float64)


def mixture(n: int, sigma: float, rng: np.random.Generator, share: float = 0.1,
            wide: float = 3.0) -> FloatArray:
    core = sigma / np.sqrt(1.0 - share + share * wide ** 2)
    k = np.where(rng.random(n) < share, wide * core, core)
    return np.asarray(rng.standard_normal((n, 2)) * k[:, None], dtype=np.float64)


def bulk(spec: NoiseSpec, t: FloatArray, rng: np.random.Generator) -> FloatArray:
    n = len(t)
    if spec.kind == "white":
        return np.asarray(rng.standard_normal((n, 2)) * spec.sigma, dtype=np.float64)
    if spec.kind == "student":
        return student(n, spec.sigma, rng)
    if spec.kind == "mixture":
        return mixture(n, spec.sigma, rng)
    if spec.kind == "gm":
        tau = float(rng.uniform(*spec.tau))
        white = rng.standard_normal((n, 2)) * spec.sigma * np.sqrt(WHITE_SHARE)
        corr = gauss_markov(t, spec.sigma * np.sqrt(1.0 - WHITE_SHARE), tau, rng)
        return np.asarray(corr + white, dtype=np.float64)
    raise ValueError(f"unknown noise kind {spec.kind!r}")


def _offsets(n: int, rng: np.random.Generator) -> FloatArray:
    r = rng.uniform(30.0, 100.0, n)
    a = rng.uniform(0.0, 2 * np.pi, n)
    return np.column_stack((r * np.cos(a), r * np.sin(a)))


def multipath(spec: NoiseSpec, t: FloatArray, rng: np.random.Generator
              ) -> tuple[FloatArray, BoolArray]:
    """Jump offsets (zero where none) and which fixes carry one."""
    n = len(t)
    out = np.zeros((n, 2))
    hit = np.zeros(n, dtype=bool)
    if spec.jumps:
        k = rng.random(n) < spec.jumps
        out[k] = _offsets(int(k.sum()), rng)
        hit |= k
    if spec.bursts and n:
        span = float(t[-1] - t[0]) + 1.0
        mean_len = 17.5
        count = rng.poisson(spec.bursts * span / mean_len)
        for start, length, off in zip(rng.uniform(t[0], t[-1], count),
                                      rng.uniform(5.0, 30.0, count), _offsets(count, rng),
                                      strict=True):
            k = (t >= start) & (t < start + length)
            out[k] = off
            hit |= k
    return out, hit
