"""Ground truth of a simulated day: the passes a perfect counter sees, and the road alerts due.

Passes follow docs/contract.md §2 on the exact (noise-free) walked path: coverage is measured
along the road, a pass completes when a continuous traversal has covered pass_coverage of the
road's length, coverage then starts afresh from that point, more than break_s away from the
road ends a traversal, only what happens inside the patrol window counts, and riding spoils
the traversal in progress (those passes are suspect). With the generated cities every edge is a
whole road, so this simply counts the roads walked end to end on foot inside the window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from config.patrol import AlertConfig
from geofence.model import City
from simulator.dayplan import DevicePlan
from simulator.graph import RoadGraph


def _union_length(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, -float("inf")
    for a, b in sorted(spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


@dataclass
class _Traversal:
    spans: list[tuple[float, float]] = field(default_factory=list)
    last: float = -float("inf")


def _span(a: float, b: float) -> tuple[float, float]:
    return (min(a, b), max(a, b))


def count_passes(graph: RoadGraph, plans: list[DevicePlan], window: tuple[float, float],
                 coverage: float = 0.8, break_s: float = 60.0) -> dict[str, list[float]]:
    """Road id -> completion times of its passes (all inspectors, in time order)."""
    ws, we = window
    roads = graph.city.roads
    times: dict[str, list[float]] = {r.id: [] for r in roads}
    for plan in plans:
        state: dict[int, _Traversal] = {}
        for leg in plan.legs:
            if leg.kind == "dark":
                if leg.t1 - leg.t0 > break_s:
                    state.clear()  # nothing seen for that long: every traversal has ended
                continue
            if leg.kind == "stand":
                if leg.node is not None:
                    for ei, _ in graph.adj[leg.node]:
                        if graph.edges[ei].road in state:
                            state[graph.edges[ei].road].last = leg.t1
                continue
            assert leg.edge is not None
            e = graph.edges[leg.edge]
            if leg.kind == "ride":
                state.pop(e.road, None)
                continue
            t0, t1 = max(leg.t0, ws), min(leg.t1, we)
            if t1 <= t0:
                continue

            # Linear referencing: the leg moves along the road linearly in time.
            o_start = e.off_u + leg.f0 * (e.off_v - e.off_u)
            rate = (leg.f1 - leg.f0) * (e.off_v - e.off_u) / (leg.t1 - leg.t0)
            trav = state.setdefault(e.road, _Traversal())
            if t0 - trav.last > break_s:
                trav.spans = []
            need = coverage * graph.road_length[e.road]
            a, b = o_start + rate * (t0 - leg.t0), o_start + rate * (t1 - leg.t0)
            while True:
                if _union_length([*trav.spans, _span(a, b)]) < need:
                    trav.spans.append(_span(a, b))
                    break
                lo, hi = 0.0, 1.0  # the share of this stretch at which the pass completes
                for _ in range(40):
                    mid = (lo + hi) / 2.0
                    if _union_length([*trav.spans, _span(a, a + mid * (b - a))]) >= need:
                        hi = mid
                    else:
                        lo = mid
                tp = t0 + hi * (t1 - t0)
                times[roads[e.road].id].append(tp)
                trav.spans = []
                a, t0 = a + hi * (b - a), tp
                if abs(b - a) < 1e-6:
                    break
            trav.last = t1
    for v in times.values():
        v.sort()
    return times


def road_alerts(city: City, pass_times: dict[str, list[float]], window: tuple[float, float],
                cfg: AlertConfig | None = None) -> list[dict[str, Any]]:
    """coverage_behind, road_unvisited and road_missed as the rules should raise them."""
    cfg = cfg or AlertConfig()
    ws, we = window
    span = we - ws
    out: list[dict[str, Any]] = []
    for road in city.roads:
        times = [t for t in pass_times.get(road.id, []) if ws <= t <= we]
        req = road.required
        passes, behind, prev = 0, False, ws
        for te, is_pass in [*((t, True) for t in times), (we, False)]:
            due = ws + (passes + cfg.behind_by) * span / req  # when passes lag by behind_by
            if not behind and due < te:
                out.append({"type": "coverage_behind", "road": road.id, "ts": max(due, prev)})
                behind = True
            if is_pass:
                passes += 1
                behind = behind and passes <= req * (te - ws) / span - cfg.behind_by
            prev = te
        gap = span / req * cfg.unvisited_factor
        last = ws
        for te in [*times, we]:
            if te - last > gap:
                out.append({"type": "road_unvisited", "road": road.id, "ts": last + gap})
            last = te
        if len(times) < req:
            out.append({"type": "road_missed", "road": road.id, "ts": we})
    return out


def passes_by_road(pass_times: dict[str, list[float]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for road, v in pass_times.items():
        counts[road] = len(v)
    return dict(counts)
