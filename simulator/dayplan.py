"""Planning a whole city's patrol day: shares, tours, behaviours and legs for every inspector."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.behaviours import BEHAVIOURS, choose_skips, default_behaviours, install
from simulator.graph import RoadGraph, Step
from simulator.routes import MAX_SPEED, DayPlanner, Leg
from simulator.tours import covering_tour, split_territories, tour_length

log = logging.getLogger(__name__)

# A road on a tour gets a pass about once a round; a round much over 100 minutes would let a
# main road (5 passes in 11 hours: one per 132 minutes) fall behind schedule.
MAX_ROUND_S = 100 * 60.0


@dataclass(frozen=True, slots=True)
class DevicePlan:
    device: str
    grid: str
    behaviour: str
    speed: float
    legs: list[Leg]
    alerts: list[dict[str, Any]]
    skipped: list[str]  # road ids this inspector leaves out


def device_rng(seed: int, device: str) -> np.random.Generator:
    # crc32, not hash(): str hashes change from one interpreter run to the next.
    return np.random.default_rng([seed, zlib.crc32(device.encode("utf-8"))])


def resolve_behaviours(graph: RoadGraph, behaviours: dict[str, str] | None) -> dict[str, str]:
    grids = [(g.id, g.inspectors) for g in graph.city.grids]
    if behaviours is None:
        return default_behaviours(grids)
    known = {d for _, ins in grids for d in ins}
    for device, b in behaviours.items():
        if device not in known:
            raise ValueError(f"device {device!r} is not an inspector of any grid")
        if b not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {b!r}; known: {', '.join(BEHAVIOURS)}")
    return {d: behaviours.get(d, "good") for _, ins in grids for d in ins}


def plan_city(graph: RoadGraph, behaviours: dict[str, str], window: tuple[float, float],
              seed: int) -> list[DevicePlan]:
    plans: list[DevicePlan] = []
    seen: set[str] = set()
    for grid in graph.city.grids:
        inspectors = [d for d in grid.inspectors if d not in seen]
        seen.update(inspectors)
        comps = graph.components(graph.grid_edges(grid.id))
        if not inspectors or not comps:
            continue
        area = comps[0]  # a piece cut off from the rest of the grid cannot be walked to
        shares = split_territories(graph, area, len(inspectors))
        tours: dict[str, list[Step]] = {}
        allowed: dict[str, set[int]] = {}
        skipped: dict[str, set[int]] = {}
        for device, share in zip(inspectors, shares, strict=True):
            if behaviours[device] != "skips":
                tours[device] = covering_tour(graph, share or area, area)
                allowed[device], skipped[device] = area, set()
        walked = {ei for tour in tours.values() for ei, _ in tour}
        for device, share in zip(inspectors, shares, strict=True):
            if behaviours[device] == "skips":
                rng = device_rng(seed, device + "/skips")
                skipped[device] = choose_skips(graph, share, area, walked, rng)
                allowed[device] = area - skipped[device]
                tours[device] = covering_tour(graph, (share or area) - skipped[device],
                                              allowed[device])
        for device in inspectors:
            if not tours[device]:
                log.warning("%s: no road to walk in grid %s", device, grid.id)
                continue
            rng = device_rng(seed, device)
            speed = rng.uniform(1.1, 1.3)
            round_m = tour_length(graph, tours[device])
            speed = float(min(max(speed, round_m / MAX_ROUND_S), MAX_SPEED - 0.1))
            planner = DayPlanner(graph, device, tours[device], allowed[device], window, rng,
                                 speed)
            install(planner, behaviours[device], grid.id)
            legs = planner.run()
            plans.append(DevicePlan(
                device, grid.id, behaviours[device], speed, legs, planner.alerts,
                sorted(graph.city.roads[graph.edges[ei].road].id for ei in skipped[device])))
            log.debug("%s: round %.0f m at %.2f m/s", device, round_m, speed)
    return plans
