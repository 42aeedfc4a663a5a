"""One traversal's coverage of a road: the union of the along-road intervals walked in it
(docs/contract.md §2: covered length is measured along the road, so walking back and forth
over a piece adds nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

EPS = 1e-9


@dataclass
class Coverage:
    iv: list[tuple[float, float]] = field(default_factory=list)  # sorted, disjoint
    last_on: float = float("-inf")
    ridden: bool = False

    def covered(self) -> float:
        return sum(b - a for a, b in self.iv)

    def add(self, a: float, b: float) -> None:
        lo, hi = min(a, b), max(a, b)
        out: list[tuple[float, float]] = []
        for x, y in self.iv:
            if y < lo or x > hi:
                out.append((x, y))
            else:
                lo, hi = min(lo, x), max(hi, y)
        out.append((lo, hi))
        self.iv = sorted(out)

    def new_along(self, a: float, b: float) -> list[tuple[float, float]]:
        """The not yet covered pieces of the walk a -> b, in walking order."""
        lo, hi = min(a, b), max(a, b)
        gaps, cur = [], lo
        for x, y in self.iv:
            if y <= cur:
                continue
            if x >= hi:
                break
            if x > cur:
                gaps.append((cur, x))
            cur = max(cur, y)
        if cur < hi:
            gaps.append((cur, hi))
        return gaps if b >= a else [(y, x) for x, y in reversed(gaps)]
