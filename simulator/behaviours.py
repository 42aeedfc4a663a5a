"""How a simulated inspector behaves, and the alert each misbehaviour should raise.

- good: walks its tour all day; raises nothing.
- skips: leaves 3 roads of its share (that nobody else walks) out of its tour
  -> coverage_behind, road_unvisited and road_missed on those roads.
- idle: stands 21-24 min in mid-morning -> idle, 15 min after it stopped.
- leaves: walks 15+ min along a neighbouring grid's roads in the early afternoon
  -> off_grid, 10 min after it left.
- scooter: rides a scooter 6.5-8 min at 28-33 km/h along its tour in mid-afternoon
  -> too_fast, 1 min into the ride; passes ridden do not count.
- dark: switches the phone off for 10-11.5 min (standing) in the early morning
  -> signal_lost, 5 min after the last fix.

Device alerts carry "start" (when the misbehaviour began) and "ts" (when the rule should fire).

Road alerts are not listed here: they follow from the passes actually walked (see truth.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from shapely.geometry import Point

from simulator.graph import RoadGraph
from simulator.routes import DayPlanner

BEHAVIOURS = ("good", "skips", "idle", "leaves", "scooter", "dark")
MISBEHAVIOURS = ("skips", "idle", "leaves", "scooter", "dark")
HOUR = 3600.0


def default_behaviours(grids: list[tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    """The demo mix: the first inspector of grids 1-5 each misbehaves once, so every rule fires."""
    out: dict[str, str] = {}
    k = 0
    for _, inspectors in grids:
        for i, device in enumerate(inspectors):
            if i == 0 and k < len(MISBEHAVIOURS):
                out[device] = MISBEHAVIOURS[k]
                k += 1
            else:
                out[device] = "good"
    return out


def _alert(kind: str, device: str, start: float, delay: float) -> dict[str, Any]:
    return {"type": kind, "device": device, "start": start, "ts": start + delay}


def _idle(p: DayPlanner) -> None:
    p.alerts.append(_alert("idle", p.device, p.t, 900.0))
    p.stand(p.rng.uniform(21 * 60.0, 24 * 60.0))


def _dark(p: DayPlanner) -> None:
    p.alerts.append(_alert("signal_lost", p.device, p.t, 300.0))
    p.stand(p.rng.uniform(600.0, 690.0), kind="dark")


def _scooter(p: DayPlanner) -> None:
    p.stand(p.rng.uniform(40.0, 80.0))  # unlocking a shared scooter
    speed = p.rng.uniform(7.8, 9.2)  # 28-33 km/h
    start, ride_for = p.t, p.rng.uniform(390.0, 480.0)
    p.alerts.append(_alert("too_fast", p.device, start, 60.0))
    while p.t - start < ride_for:
        p.move(p.next_step(), kind="ride", speed=speed)
    p.stand(p.rng.uniform(50.0, 90.0))  # parking it


def _leaves(p: DayPlanner, grid: str) -> None:
    g = p.graph
    own = g.grid_edges(grid)
    foreign_nodes = g.nodes_of(e.index for e in g.edges if g.city.roads[e.road].grid
                               not in (grid, None))
    dist, _ = g.dijkstra({p.node: 0.0}, own)
    border = sorted((d, n) for n, d in dist.items() if n in foreign_nodes)
    if not border:
        return  # no road leads out of this grid: nothing to walk away on
    home, gate = p.node, border[0][1]
    p.walk_path(g.path(home, gate, own))
    grids_at_gate = sorted(str(g.city.roads[g.edges[ei].road].grid) for ei, _ in g.adj[gate])
    foreign = g.grid_edges(next(x for x in grids_at_gate if x not in (grid, "None")))
    shape = g.proj.geom_to_xy(next(x.geometry for x in g.city.grids if x.id == grid))
    left, used = p.t, set()
    p.alerts.append(_alert("off_grid", p.device, left, 600.0))
    while True:
        back, _ = g.dijkstra({gate: 0.0}, foreign)
        if p.t - left + back.get(p.node, 0.0) / p.speed >= 960.0:
            break
        options = [(ei, to) for ei, to in g.adj[p.node] if ei in foreign and ei not in used]
        options = options or [(ei, to) for ei, to in g.adj[p.node] if ei in foreign]
        if not options:
            break
        # Head away from home, so the fixes are plainly outside the grid.
        ei, _ = max(options, key=lambda o: (shape.distance(Point(g.node_xy[o[1]])), -o[0]))
        used.add(ei)
        p.move((ei, g.edges[ei].u == p.node))
    p.walk_path(g.path(p.node, gate, foreign))
    p.walk_path(g.path(gate, home, own))


def install(p: DayPlanner, behaviour: str, grid: str) -> None:
    """Schedule the behaviour's event in the planner's day."""
    ws = p.window[0]

    def at(hours: float) -> float:
        return ws + hours * HOUR + p.rng.uniform(0.0, 1800.0)

    if behaviour == "idle":
        p.events.append((at(2.5), _idle))
    elif behaviour == "dark":
        p.events.append((at(1.25), _dark))
    elif behaviour == "scooter":
        p.events.append((at(7.5), _scooter))
    elif behaviour == "leaves":
        p.events.append((at(6.5), lambda q: _leaves(q, grid)))
    elif behaviour not in ("good", "skips"):
        raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")


def choose_skips(graph: RoadGraph, share: set[int], grid_edges: set[int], others: set[int],
                 rng: np.random.Generator, count: int = 3) -> set[int]:
    """Roads of the share nobody else walks whose loss leaves the grid connected."""
    skipped: set[int] = set()
    candidates = sorted(share - others)
    order = [candidates[i] for i in rng.permutation(len(candidates))]
    # One main road first when there is one: its alerts come soonest.
    order.sort(key=lambda ei: graph.city.roads[graph.edges[ei].road].cls != "main")
    count = min(count, len(share) - 1)  # the inspector still walks something of its own
    for ei in order:
        if len(skipped) >= count:
            break
        if len(graph.components(grid_edges - skipped - {ei})) == 1:
            skipped.add(ei)
    return skipped
