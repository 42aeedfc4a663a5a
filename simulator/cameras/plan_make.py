"""Random but reproducible scene plans: traffic, a spilling truck or not, and distractors."""

from __future__ import annotations

import numpy as np

from simulator.cameras.materials import MATERIALS, material_colour
from simulator.cameras.plan import (
    KINDS,
    PALETTE,
    Piece,
    Plan,
    Shadow,
    SimPerson,
    SimVehicle,
    SpillTruth,
)


def make_plan(rng: np.random.Generator, w: int, h: int, spill: bool | None = None) -> Plan:
    seed = int(rng.integers(0, 2**31))
    lanes = int(rng.integers(2, 5))
    road_y0 = h * rng.uniform(0.12, 0.25)
    road_y1 = h * rng.uniform(0.78, 0.9)
    lane_h = (road_y1 - road_y0) / lanes
    road_level = float(rng.uniform(65, 150))
    plan = Plan(seed, 0.0, road_y0, road_y1, lanes, road_level,
                float(np.clip(road_level + rng.choice([-35, 35]), 30, 220)),
                float(rng.uniform(3, 9)), [], [], [])
    lane_ys = [road_y0 + (k + 0.5) * lane_h for k in range(lanes)]
    # Lanes alternate direction; a lane is used by one moving vehicle at a time.
    free_at = dict.fromkeys(range(lanes), 2.0)
    spill = bool(rng.random() < 0.55) if spill is None else spill
    end = 6.0
    drop_lane = None
    if spill:
        drop_lane = int(rng.integers(0, lanes))
        truck = _vehicle(rng, 1, "truck", w, lane_h, lane_ys[drop_lane],
                         1 if drop_lane % 2 == 0 else -1, float(rng.uniform(2.5, 6.0)))
        plan.vehicles.append(truck)
        end = max(end, _add_drop(rng, plan, truck, w, h, road_level))
        free_at[drop_lane] = truck.enter_ts + (w + truck.length) / truck.speed + 0.5
        if rng.random() < 0.4:  # a car follows over the material: it must not be blamed
            follower = _vehicle(rng, 2, str(rng.choice(["car", "van"])), w, lane_h,
                                lane_ys[drop_lane], truck.direction,
                                plan.spills[-1].last_ts + float(rng.uniform(0.5, 3.0)))
            plan.vehicles.append(follower)
            plan.distractors.append("follower")
    n_traffic = int(rng.integers(0 if spill else 1, 4))
    for _ in range(n_traffic):
        lane = int(rng.integers(0, lanes))
        if lane == drop_lane:
            continue
        enter = free_at[lane] + float(rng.uniform(0.0, 4.0))
        kind = str(rng.choice(list(KINDS)))
        v = _vehicle(rng, len(plan.vehicles) + 1, kind, w, lane_h, lane_ys[lane],
                     1 if lane % 2 == 0 else -1, enter)
        plan.vehicles.append(v)
        free_at[lane] = enter + (w + v.length) / v.speed + 0.5
    for v in plan.vehicles:
        end = max(end, v.enter_ts + (w + v.length) / v.speed)
    _distractors(rng, plan, w, h, lane_ys, drop_lane, free_at)
    plan.duration = float(min(26.0, end + 6.0))
    return plan


def _vehicle(rng: np.random.Generator, vid: int, kind: str, w: int, lane_h: float,
             lane_y: float, direction: int, enter: float) -> SimVehicle:
    lo, hi, wlo, whi = KINDS[kind]
    width = min(w * rng.uniform(wlo, whi), lane_h * 0.85)
    colour = PALETTE[int(rng.integers(0, len(PALETTE)))]
    load = PALETTE[int(rng.integers(0, len(PALETTE)))]
    speed = w * rng.uniform(0.15, 0.55)  # crossing the frame in 2-7 s
    return SimVehicle(vid, kind, w * rng.uniform(lo, hi), width, colour, load, lane_y,
                      direction, enter, speed)


def _add_drop(rng: np.random.Generator, plan: Plan, truck: SimVehicle, w: int, h: int,
              road_level: float) -> float:
    material = str(rng.choice(MATERIALS))
    colour = material_colour(material, road_level, rng)
    trail = bool(rng.random() < 0.5)
    x0 = w * rng.uniform(0.2, 0.7)
    pieces = []
    if trail:
        length = w * rng.uniform(0.06, 0.25) * truck.direction
        count = int(rng.integers(30, 90))
        for _ in range(count):
            x = x0 + rng.uniform(0, 1) * length
            y = truck.lane_y + rng.normal(0, truck.width * 0.18)
            size = int(max(2, w * rng.uniform(0.006, 0.012)))
            pieces.append(Piece(truck.time_rear_at(x, w), int(x), int(y), size, False,
                                material, colour, int(rng.integers(0, 2**31))))
    else:
        for _ in range(int(rng.integers(1, 3))):
            x = x0 + rng.uniform(-0.02, 0.02) * w
            y = truck.lane_y + rng.normal(0, truck.width * 0.12)
            size = int(w * rng.uniform(0.014, 0.03))
            pieces.append(Piece(truck.time_rear_at(x, w), int(x), int(y), size, True,
                                material, colour, int(rng.integers(0, 2**31))))
    pieces.sort(key=lambda p: p.ts)
    xs = [p.x for p in pieces]
    ys = [p.y for p in pieces]
    r = max(p.size if p.lump else p.size // 2 + 1 for p in pieces)
    box = [min(xs) - r, min(ys) - r, max(xs) - min(xs) + 2 * r, max(ys) - min(ys) + 2 * r]
    plan.pieces.extend(pieces)
    plan.pieces.sort(key=lambda p: p.ts)
    plan.spills.append(SpillTruth(truck.id, box, pieces[0].ts, pieces[-1].ts,
                                  "trail" if trail else "lump", material))
    return pieces[-1].ts + 6.0


def _distractors(rng: np.random.Generator, plan: Plan, w: int, h: int, lane_ys: list[float],
                 drop_lane: int | None, free_at: dict[int, float]) -> None:
    spill_boxes = [s.box for s in plan.spills]
    others = [k for k in range(len(lane_ys)) if k != drop_lane]
    if others and rng.random() < 0.3:
        lane = int(rng.choice(others))
        v = _vehicle(rng, len(plan.vehicles) + 1, str(rng.choice(["car", "van", "truck"])),
                     w, (plan.road_y1 - plan.road_y0) / plan.lanes, lane_ys[lane],
                     1 if lane % 2 == 0 else -1, free_at[lane] + float(rng.uniform(0, 3)))
        v.stop_x = w * rng.uniform(0.2, 0.6)
        plan.vehicles.append(v)
        free_at[lane] = 1e9
        plan.distractors.append("parked")
    if rng.random() < 0.3:
        x = w * rng.uniform(0.1, 0.9)
        if not any(b[0] - 40 < x < b[0] + b[2] + 40 for b in spill_boxes):
            # A person walks from the verge to the kerb and stands there (traffic keeps to
            # the lanes, so nobody drives through them).
            edge = plan.road_y0 if rng.random() < 0.5 else plan.road_y1
            lane_h = (plan.road_y1 - plan.road_y0) / plan.lanes
            into = lane_h * rng.uniform(-0.3, 0.05)
            y1 = edge + into if edge == plan.road_y0 else edge - into
            size = int(w * rng.uniform(0.014, 0.02))
            start = y1 - (1 if edge == plan.road_y0 else -1) * lane_h * rng.uniform(0.5, 1.0)
            plan.people.append(SimPerson(x, start, y1, float(rng.uniform(2, 8)),
                                         w * rng.uniform(0.03, 0.06), size,
                                         PALETTE[int(rng.integers(0, len(PALETTE)))]))
            plan.distractors.append("person")
    if rng.random() < 0.35:
        rx, ry = w * rng.uniform(0.03, 0.12), w * rng.uniform(0.02, 0.06)
        x = w * rng.uniform(0.15, 0.85)
        y = rng.uniform(plan.road_y0 + ry, plan.road_y1 - ry)
        if not any(b[0] - rx - 20 < x < b[0] + b[2] + rx + 20 for b in spill_boxes):
            plan.shadows.append(Shadow(x, y, rx, ry, float(rng.uniform(0.55, 0.8)),
                                       float(rng.uniform(3, 10)), float(rng.uniform(0.2, 2.0))))
            plan.distractors.append("shadow")
    if rng.random() < 0.3:
        final = float(rng.choice([rng.uniform(0.65, 0.8), rng.uniform(1.2, 1.35)]))
        plan.light = (float(rng.uniform(3, 10)), float(rng.uniform(0.0, 3.0)) + 0.2, final)
        plan.distractors.append("light")
    if rng.random() < 0.4:
        plan.shake = int(rng.integers(1, 3)) * max(1, w // 1280)
        plan.distractors.append("shake")
