"""Random but reproducible scene plans: traffic, a spilling truck or not, and distractors.

Half the spills are low contrast (a brightness gap of 0-15 grey levels, ΔE 10-30: only the
colour gives them away); a spilling truck carries its material in its load bed and is now and
then the grey of the road itself. Distractors that must stay silent: shadows of buildings,
clouds and trees, a light change, flicker, a camera in low light (colour noise), headlights,
a (coloured) car that parks, a person who stands, a person who leaves a bag, camera shake,
and a vehicle driving alongside another in the next lane (their blobs touch for seconds).
"""

from __future__ import annotations

import numpy as np

from simulator.cameras.materials import MATERIALS, material_look
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
    lowlight = bool(rng.random() < 0.15)
    road_level = float(rng.uniform(30, 55) if lowlight else rng.uniform(65, 150))
    plan = Plan(seed, 0.0, road_y0, road_y1, lanes, road_level,
                float(np.clip(road_level + rng.choice([-35, 35]), 30, 220)),
                float(rng.uniform(3, 9)), [], [], [])
    b, g, r = (float(v) for v in rng.uniform(-4, 4, 3))
    plan.tint = (b, g, r)
    if lowlight:  # a camera at dusk: dark, and every channel noisy on its own
        plan.noise = float(rng.uniform(2.0, 5.0))
        plan.distractors.append("lowlight")
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
        if rng.random() < 0.3:  # a truck the grey of the road
            grey = int(np.clip(road_level + rng.uniform(-10, 10), 0, 255))
            truck.colour = (grey, grey, grey)
        plan.vehicles.append(truck)
        end = max(end, _add_drop(rng, plan, truck, w, h))
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
    for v in plan.vehicles[-1:]:  # the one that drives alongside, when there is one
        if v.stop_x is None:
            end = max(end, v.enter_ts + (w + v.length) / v.speed)
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


def _add_drop(rng: np.random.Generator, plan: Plan, truck: SimVehicle, w: int, h: int) -> float:
    material = str(rng.choice(MATERIALS))
    road = plan.road_level + np.array(plan.tint)
    look = material_look(material, road, rng, low_contrast=bool(rng.random() < 0.5))
    colour = look.colour
    truck.load_colour = look.colour  # it carries what it drops
    trail = material != "muddy_water" and bool(rng.random() < 0.45)
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
                                material, colour, int(rng.integers(0, 2**31)), look.textured))
    else:
        for _ in range(int(rng.integers(1, 3))):
            x = x0 + rng.uniform(-0.02, 0.02) * w
            y = truck.lane_y + rng.normal(0, truck.width * 0.12)
            size = int(w * (rng.uniform(0.025, 0.045) if material == "muddy_water"
                            else rng.uniform(0.014, 0.03)))
            pieces.append(Piece(truck.time_rear_at(x, w), int(x), int(y), size, True,
                                material, colour, int(rng.integers(0, 2**31)), look.textured))
    pieces.sort(key=lambda p: p.ts)
    xs = [p.x for p in pieces]
    ys = [p.y for p in pieces]
    r = max(p.size if p.lump else p.size // 2 + 1 for p in pieces)
    box = [min(xs) - r, min(ys) - r, max(xs) - min(xs) + 2 * r, max(ys) - min(ys) + 2 * r]
    plan.pieces.extend(pieces)
    plan.pieces.sort(key=lambda p: p.ts)
    kind = "trail" if trail else "wet" if material == "muddy_water" else "lump"
    plan.spills.append(SpillTruth(truck.id, box, pieces[0].ts, pieces[-1].ts, kind, material,
                                  look.gap, look.delta_e, look.textured))
    return pieces[-1].ts + 6.0


VIVID = [(40, 40, 190), (160, 80, 30), (40, 180, 220), (60, 120, 60), (20, 90, 200),
         (150, 60, 150), (200, 200, 40)]


def _distractors(rng: np.random.Generator, plan: Plan, w: int, h: int, lane_ys: list[float],
                 drop_lane: int | None, free_at: dict[int, float]) -> None:
    spill_boxes = [s.box for s in plan.spills]
    lane_h = (plan.road_y1 - plan.road_y0) / plan.lanes
    others = [k for k in range(len(lane_ys)) if k != drop_lane]
    if others and rng.random() < 0.3:
        lane = int(rng.choice(others))
        v = _vehicle(rng, len(plan.vehicles) + 1, str(rng.choice(["car", "van", "truck"])),
                     w, lane_h, lane_ys[lane],
                     1 if lane % 2 == 0 else -1, free_at[lane] + float(rng.uniform(0, 3)))
        v.stop_x = w * rng.uniform(0.2, 0.6)
        if rng.random() < 0.6:  # a coloured car: a colour change that is not material
            v.colour = VIVID[int(rng.integers(0, len(VIVID)))]
        plan.vehicles.append(v)
        free_at[lane] = 1e9
        plan.distractors.append("parked")
    if rng.random() < 0.35:
        x = w * rng.uniform(0.1, 0.9)
        if not any(b[0] - 40 < x < b[0] + b[2] + 40 for b in spill_boxes):
            # A person walks from the verge to the kerb and stands there, or puts a bag down
            # and walks back (traffic keeps to the lanes, so nobody drives through them).
            edge = plan.road_y0 if rng.random() < 0.5 else plan.road_y1
            into = lane_h * rng.uniform(-0.3, 0.05)
            y1 = edge + into if edge == plan.road_y0 else edge - into
            size = int(w * rng.uniform(0.014, 0.02))
            start = y1 - (1 if edge == plan.road_y0 else -1) * lane_h * rng.uniform(0.5, 1.0)
            bag = VIVID[int(rng.integers(0, len(VIVID)))] if rng.random() < 0.5 else None
            plan.people.append(SimPerson(x, start, y1, float(rng.uniform(2, 8)),
                                         w * rng.uniform(0.03, 0.06), size,
                                         PALETTE[int(rng.integers(0, len(PALETTE)))], bag,
                                         float(rng.uniform(1.0, 3.0))))
            plan.distractors.append("bag" if bag else "person")
    if rng.random() < 0.45:
        kind = str(rng.choice(["shadow", "cloud", "tree"]))
        rx, ry = w * rng.uniform(0.03, 0.12), w * rng.uniform(0.02, 0.06)
        if kind == "cloud":
            rx, ry = w * rng.uniform(0.15, 0.3), w * rng.uniform(0.1, 0.2)
        x = w * rng.uniform(0.15, 0.85)
        y = rng.uniform(plan.road_y0 + ry, plan.road_y1 - ry) if kind != "cloud" \
            else rng.uniform(plan.road_y0, plan.road_y1)
        reach = rx + 20 + (w * 0.3 if kind == "cloud" else 0)
        if not any(b[0] - reach < x < b[0] + b[2] + reach for b in spill_boxes):
            shadow = Shadow(x, y, rx, ry, float(rng.uniform(0.55, 0.8)),
                            float(rng.uniform(3, 10)), float(rng.uniform(0.2, 2.0)), kind)
            if kind == "cloud":
                shadow.vx = w * rng.uniform(0.01, 0.04) * rng.choice([-1, 1])
                shadow.factor = float(rng.uniform(0.6, 0.85))
                shadow.fade = float(rng.uniform(2.0, 5.0))
            elif kind == "tree":
                shadow.start, shadow.fade = 0.0, 0.01  # there from the start, swaying
                shadow.sway = w * rng.uniform(0.002, 0.006)
                shadow.blobs = [(float(rng.uniform(-0.8, 0.8) * rx),
                                 float(rng.uniform(-0.8, 0.8) * ry),
                                 float(rng.uniform(0.2, 0.45) * ry)) for _ in range(12)]
            plan.shadows.append(shadow)
            plan.distractors.append(kind)
    if rng.random() < 0.3:
        final = float(rng.choice([rng.uniform(0.65, 0.8), rng.uniform(1.2, 1.35)]))
        plan.light = (float(rng.uniform(3, 10)), float(rng.uniform(0.0, 3.0)) + 0.2, final)
        plan.distractors.append("light")
    if rng.random() < 0.15:
        plan.flicker = float(rng.uniform(0.03, 0.08))
        plan.distractors.append("flicker")
    if rng.random() < 0.25 or "lowlight" in plan.distractors:
        for v in plan.vehicles:
            v.headlights = True
        plan.distractors.append("headlights")
    if rng.random() < 0.4:
        plan.shake = int(rng.integers(1, 3)) * max(1, w // 1280)
        plan.distractors.append("shake")
    # From a generator of its own, so a seed's scenes keep everything they held before this
    # case was added (the scene's other draws go on from `rng`).
    side = np.random.default_rng(plan.seed + 11)
    if side.random() < 0.3:
        _alongside(side, plan, w, lane_h, lane_ys)


def _alongside(rng: np.random.Generator, plan: Plan, w: int, lane_h: float,
               lane_ys: list[float]) -> None:
    """A vehicle driving beside another in the next lane, in the same direction and at about
    its speed (an overtaking lane): their blobs touch for seconds, which a tracker may merge
    into one track. Beside the spilling truck when there is one; it must not be blamed."""
    moving = [v for v in plan.vehicles if v.stop_x is None]
    if not moving:
        return
    lead = moving[0] if plan.spills else moving[int(rng.integers(0, len(moving)))]
    lane = min(range(len(lane_ys)), key=lambda k: abs(lane_ys[k] - lead.lane_y))
    sides = [k for k in (lane - 1, lane + 1) if 0 <= k < len(lane_ys)]
    k = sides[int(rng.integers(0, len(sides)))]
    v = _vehicle(rng, len(plan.vehicles) + 1, str(rng.choice(["truck", "van", "car"])), w,
                 lane_h, lane_ys[k], lead.direction, lead.enter_ts + float(rng.uniform(-0.6, 0.6)))
    v.speed = lead.speed * float(rng.uniform(0.85, 1.15))
    v.colour = lead.colour if rng.random() < 0.3 else v.colour  # a fleet: the same paint
    start, stop = v.enter_ts - 1.0, v.enter_ts + (w + v.length) / v.speed + 1.0
    for o in plan.vehicles:  # the lane must be free while it passes
        if abs(o.lane_y - v.lane_y) < 1.0:
            o_end = 1e9 if o.stop_x is not None else o.enter_ts + (w + o.length) / o.speed
            if o.enter_ts < stop and start < o_end:
                return
    if any(abs(p.y1 - v.lane_y) < lane_h for p in plan.people):
        return  # nobody drives through a person standing at the kerb
    v.headlights = lead.headlights
    plan.vehicles.append(v)
    plan.distractors.append("alongside")
