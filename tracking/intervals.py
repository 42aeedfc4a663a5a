"""Union of covered intervals along a road, as a flat sorted list [a0, b0, a1, b1, ...].

A walker's consecutive intervals overlap, so the list almost always holds one interval and the
fast path is a two-number update; the general merge handles gaps left by spikes or re-anchoring.
At most MAX_SPANS disjoint pieces are kept: past that the shortest is forgotten, so a device's
state stays bounded (README "state per device") and nothing unwalked is ever credited.
"""

from __future__ import annotations

MAX_SPANS = 4


def add_interval(iv: list[float], a: float, b: float) -> float:
    """Merge [min(a,b), max(a,b)] into `iv` in place; return the length newly covered."""
    lo, hi = (a, b) if a <= b else (b, a)
    n = len(iv)
    if n == 0:
        iv.append(lo)
        iv.append(hi)
        return hi - lo
    if n == 2:
        x, y = iv[0], iv[1]
        if lo <= y and hi >= x:
            nlo = x if x < lo else lo
            nhi = y if y > hi else hi
            iv[0] = nlo
            iv[1] = nhi
            return (nhi - nlo) - (y - x)
    # General case: every interval touching [lo, hi] merges into one.
    out: list[float] = []
    overlapped = 0.0
    mlo, mhi = lo, hi
    placed = False
    for i in range(0, n, 2):
        x, y = iv[i], iv[i + 1]
        if y < lo:
            out.append(x)
            out.append(y)
        elif x > hi:
            if not placed:
                out.append(mlo)
                out.append(mhi)
                placed = True
            out.append(x)
            out.append(y)
        else:
            overlapped += y - x
            if x < mlo:
                mlo = x
            if y > mhi:
                mhi = y
    if not placed:
        out.append(mlo)
        out.append(mhi)
    added = (mhi - mlo) - overlapped
    while len(out) > 2 * MAX_SPANS:  # forget the shortest piece (may be the one just added)
        k = min(range(0, len(out), 2), key=lambda i: out[i + 1] - out[i])
        added -= out[k + 1] - out[k]
        del out[k:k + 2]
    iv[:] = out
    return added


def covered_length(iv: list[float]) -> float:
    return sum(iv[i + 1] - iv[i] for i in range(0, len(iv), 2))
