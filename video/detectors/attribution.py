"""Who dropped it: the vehicle whose boxes passed over a spot, and what is not a drop at all.

Tracks follow motion blobs, so a vehicle whose body is the grey of the road is seen in pieces,
at 5 frames/s a fast car jumps further than its length between frames, and a truck's track may
latch on the fresh material behind it. These tests are written for such tracks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from video.detectors.base import AnalysisFrame, Box
from video.detectors.vehicles import FAST, Track

CLEAN_LOOKBACK_S = 10.0
STOP_TRAVEL = 10.0  # analysis pixels a track must have come to count as arrived
WALK_SPEED = 25.0  # analysis pixels a second (at 320 wide): faster than this is not on foot
STILL_S = 1.0  # seconds a vehicle stands still at its own size once it has parked
DROVE = 1.5  # a track born beside a vehicle that travelled this many of its lengths drove
LOST_S = 1.5  # a vehicle lost this long before a blob of its size stood ahead of it parked there
COVER = 0.3  # share of a region's sample points a box must hold to stand on it
MERGED = 1.8  # a box this many times the track's usual area holds another vehicle too


def unoccupied_before(tracks: list[Track], region: Box, ts: float) -> float:
    """The latest time up to ts (at most CLEAN_LOOKBACK_S earlier) when no tracked object's box
    lay over the region: the reference view of the clean road must not show a vehicle."""
    grown = Box(region.x - 2, region.y - 2, region.w + 4, region.h + 4)
    busy = [t for track in tracks for t, b in track.path
            if ts - CLEAN_LOOKBACK_S - 1.0 <= t <= ts + 1.0 and b.intersection(grown)]
    at = ts
    while at > ts - CLEAN_LOOKBACK_S:
        if all(abs(at - t) > 0.3 for t in busy):
            return at
        at -= 0.2
    return ts


def covered_at(track: Track, points: npt.NDArray[np.float64], region: Box,
                frame: AnalysisFrame, start: float, end: float) -> float | None:
    """When the track's boxes in [start, end] had, between them, passed over most of the
    region, provided the track then went on past it. A parked car or a person standing covers
    the region too but never gets beyond it: what they are is the region itself."""
    hit = np.zeros(len(points), dtype=bool)
    covered = first = None
    prev: tuple[float, Box] | None = None
    step: tuple[float, float] | None = None  # velocity of the last step between alike boxes
    merged = _merged(track)
    for (ts, box), lumped in zip(track.path, merged, strict=True):
        if ts > end:
            break
        if lumped:
            # Its blob merged with a vehicle's beside it (trucks passing in the next lanes):
            # the box covers the other vehicle's road too, and says nothing of where this
            # one went. The frames either side of it, found again at its pace, say that.
            continue
        # At 5 frames/s a fast car jumps further than its length: it swept the gap between.
        # Only between boxes of one size: a blob merged with the next lane's vehicle for a
        # frame must not sweep the lane between.
        swept, at = box, ts
        if prev is not None and _alike(prev[1], box):
            dt = ts - prev[0]
            if dt <= 0.5:
                swept = _hull(prev[1], box)
            elif _kept_pace(prev[1], box, dt, step):
                # Lost for a few frames (its blob merged with a vehicle in the next lane) and
                # found again where its pace had it: it swept the road between, and passed
                # a spot there at the time its pace puts it there.
                swept = _hull(prev[1], box)
                at = _passed(prev, box, ts, points, swept)
            step = _velocity(prev[1], box, dt) if dt <= 0.5 else step
        prev = (ts, box)
        if ts < start:
            continue
        now = np.array([swept.contains(px, py, 2.0) for px, py in points])
        if first is None and now.any():
            first = at
        hit |= now
        if hit.mean() >= 0.5:
            covered = first
            break
    if covered is None:
        return None
    length = sorted(max(b.w, b.h) for _, b in track.path)[len(track.path) // 2]
    if _reach(track, region) > max(6 * frame.scale, 0.25 * length):
        return covered
    # Material near the image border: the vehicle left the picture right past it (its track
    # may then have latched on the fresh material, so where it ends says nothing).
    h, w = frame.gray.shape[:2]
    gone = any(t > covered and (b.x <= 1 or b.y <= 1 or b.x + b.w >= w - 1 or b.y + b.h >= h - 1)
               for t, b in track.path)
    return covered if gone and track.travel > length else None


def covers(box: Box, points: npt.NDArray[np.float64]) -> bool:
    """The box (with 2 px to spare) holds at least COVER of the region's sample points."""
    return float(np.mean([box.contains(px, py, 2.0) for px, py in points])) >= COVER


def stopped_on(track: Track, points: npt.NDArray[np.float64], frame: AnalysisFrame) -> bool:
    """The track came from elsewhere on its own and came to rest over the region (a parked
    car, a person who walked up and stands): the region is that object, not something it
    dropped. A blob that split off a passing truck (its load landing) was not on its own."""
    b = rest_box(track, frame)
    return b is not None and covers(b, points)


def sits_on(track: Track, points: npt.NDArray[np.float64], frame: AnalysisFrame) -> bool:
    """The track stopped with its last box, of its usual size, over the region: it did not go
    on past it (a vehicle that parked there, even one whose track missed the moment it
    stopped). A truck's track that latched on its fresh material shrank to it, and is not this;
    one lost while still moving is not either."""
    if track.recent_travel(1.0) > 3 * frame.scale:
        return False
    b = track.box
    if not covers(b, points):
        return False
    usual = float(np.median([p.w * p.h for _, p in track.path]))
    return b.w * b.h >= 0.5 * usual


def stands_beside(track: Track, region: Box, frame: AnalysisFrame) -> bool:
    """The track stopped within half its size of the region: what changed there belongs to
    its stopping (its shadow, the colour its body bleeds into the road, a door), not to a drop
    it drove on from."""
    end_ts, b = track.path[-1]
    typical = _typical_area(track)
    h, w = frame.gray.shape[:2]
    if end_ts - track.path[0][0] < 1.0 or b.w * b.h > 2 * typical:
        return False  # a blob merged with its neighbours for a while is not standing
    if b.x <= 1 or b.y <= 1 or b.x + b.w >= w - 1 or b.y + b.h >= h - 1:
        return False  # entering or leaving the picture: its box clings to the border
    if latched(track, frame.scale):
        return False  # the dropper's track ended on its own fresh material: it drove on
    for ts, o in reversed(track.path):  # still: every box of the last second overlaps it
        if end_ts - ts > 1.0:
            break
        if b.intersection(o) < 0.5 * min(b.w * b.h, o.w * o.h):
            return False
    m = max(b.w, b.h) // 2
    return Box(b.x - m, b.y - m, b.w + 2 * m, b.h + 2 * m).intersection(region) > 0


def at_rest(track: Track, frame: AnalysisFrame) -> bool:
    """The track came from elsewhere on its own and now stands still (see stopped_on)."""
    return rest_box(track, frame) is not None


def rest_box(track: Track, frame: AnalysisFrame) -> Box | None:
    """Where the track came to rest after coming from elsewhere on its own, or None. A
    vehicle that parked stands at its own size, and then, as the motion background takes its
    body in, its box shrinks within that place: the place is the box it stood with."""
    scale = frame.scale
    size = max(track.box.w, track.box.h)
    if track.travel < max(STOP_TRAVEL * scale, size):
        return None
    if track.recent_travel(1.0) > 3 * scale or latched(track, scale):
        return None
    box = _stood(track, scale) or track.box
    # Born beside a passing vehicle: a piece of its body, or its load landing, unless it then
    # drove on its own for well over its length (a car that came in merged with a vehicle
    # passing in the next lane, and parked).
    if (track.vehicle and track.travel >= DROVE * size) or not born_beside_vehicle(track, frame):
        return box
    return None


def _stood(track: Track, scale: float) -> Box | None:
    """The boxes of the track's last STILL_S or more, joined, when each lies within the others
    (a body shrinking where it stands), never more than a few pixels beyond its largest."""
    m = 3 * scale
    hull: Box | None = None
    start = track.last_ts
    biggest = (0, 0)
    for ts, b in reversed(track.path):
        if hull is not None and not (_within(hull, b, m) or _within(b, hull, m)):
            break
        biggest = (max(biggest[0], b.w), max(biggest[1], b.h))
        joined = b if hull is None else _hull(hull, b)
        if joined.w > biggest[0] + m or joined.h > biggest[1] + m:
            break  # creeping along, not standing
        hull, start = joined, ts
    return hull if hull is not None and track.last_ts - start >= STILL_S else None


def _within(a: Box, b: Box, margin: float) -> bool:
    return (b.x - margin <= a.x and a.x + a.w <= b.x + b.w + margin
            and b.y - margin <= a.y and a.y + a.h <= b.y + b.h + margin)


def latched(track: Track, scale: float) -> bool:
    """The track came to rest on a box much smaller than the one it moved with, or on one
    left behind where its front had already been: a passing truck's track that latched on the
    material it just dropped shrinks to the size of that material, or, on a trail as long as
    the truck, rests behind the place the truck drove on to. A vehicle that parks stands still
    at its own size, its front the furthest it got, for STILL_S at least, and only then, as the
    motion background takes its body in piece by piece, may break into smaller boxes."""
    path = track.path
    steps = [(b, math.hypot(b.center[0] - a.center[0], b.center[1] - a.center[1]) / (tb - ta))
             for (ta, a), (tb, b) in itertools.pairwise(path) if tb > ta]
    moving = [b for b, v in steps if v > FAST * scale]
    if not moving:
        return False
    usual = float(np.median([b.w * b.h for b in moving]))
    length = float(np.median([max(b.w, b.h) for b in moving]))
    front = _front_along(track)
    furthest = -math.inf
    still_since: float | None = None
    for (ts, b), (_, v) in zip(path[1:], steps, strict=False):
        ahead = front(b)
        parked = v <= FAST * scale and b.w * b.h >= 0.5 * usual \
            and ahead >= furthest - 0.25 * length
        furthest = max(furthest, ahead)
        if parked:
            still_since = ts if still_since is None else still_since
            if ts - still_since >= STILL_S:
                return False
        else:
            still_since = None
    end = track.box
    return end.w * end.h < 0.5 * usual or front(end) < furthest - 0.25 * length


def _front_along(track: Track) -> Callable[[Box], float]:
    """How far a box reaches along the track's direction of travel (first box to furthest)."""
    fx, fy = track.path[0][1].center
    far = max((b.center for _, b in track.path),
              key=lambda c: (c[0] - fx) ** 2 + (c[1] - fy) ** 2)
    dx, dy = far[0] - fx, far[1] - fy
    norm = max(1e-6, math.hypot(dx, dy))
    ux, uy = dx / norm, dy / norm

    def front(b: Box) -> float:
        return float(max(x * ux + y * uy for x in (b.x, b.x + b.w) for y in (b.y, b.y + b.h)))

    return front


def born_beside_vehicle(track: Track, frame: AnalysisFrame) -> bool:
    """A fragment of a vehicle whose body shows in pieces, or its load landing."""
    born_ts, born = track.path[0]
    for other in frame.tracks:
        if other is track or not other.vehicle:
            continue
        for t, o in other.path:
            m = max(o.w, o.h) // 2 + 2
            if abs(t - born_ts) < 0.3 and born.intersection(
                    Box(o.x - m, o.y - m, o.w + 2 * m, o.h + 2 * m)):
                return True
    return False


def brought_on_foot(track: Track, points: npt.NDArray[np.float64], frame: AnalysisFrame,
                    after: float) -> bool:
    """Something not a vehicle walked up to the region after `after` (a person who puts a bag
    down, or stands there): what lies there is theirs, not a vehicle's spill. Walked up: it
    was first seen off the region (a blob born on the material itself, as the fast background
    slowly takes in a faint trail in a noisy dusk picture, is that material, not a walker)."""
    if track.vehicle or track.travel < STOP_TRAVEL * frame.scale \
            or _median_speed(track) > WALK_SPEED * frame.scale:
        return False
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    cx, cy = track.path[0][1].center
    if x0 - 2 <= cx <= x1 + 2 and y0 - 2 <= cy <= y1 + 2:
        return False
    over = 0
    for ts, b in track.path:
        if ts >= after and covers(b, points):
            over += 1
    return over >= 2 and not born_beside_vehicle(track, frame)


def _median_speed(track: Track) -> float:
    """Analysis pixels per second, the median over the path's steps."""
    steps = [math.hypot(b.center[0] - a.center[0], b.center[1] - a.center[1]) / (tb - ta)
             for (ta, a), (tb, b) in zip(track.path, track.path[1:], strict=False) if tb > ta]
    return float(np.median(steps)) if steps else 0.0


def _typical_area(track: Track) -> float:
    return float(np.median([b.w * b.h for _, b in track.path]))


MAX_LOST_S = 1.5  # longest gap in a track that its pace may bridge


def _merged(track: Track) -> list[bool]:
    """Which boxes of the path are MERGED times the median area of the track's boxes within a
    second either side: its blob joined with a neighbour's for a moment. (Against the boxes
    around it, not the whole path: a track that switched from a car to a truck keeps the
    truck's boxes.)"""
    times = np.array([ts for ts, _ in track.path])
    areas = np.array([b.w * b.h for _, b in track.path], dtype=np.float64)
    lo = np.searchsorted(times, times - 1.0, side="left")
    hi = np.searchsorted(times, times + 1.0, side="right")
    return [bool(a > MERGED * np.median(areas[i:j])) for a, i, j in zip(areas, lo, hi, strict=True)]


def _velocity(a: Box, b: Box, dt: float) -> tuple[float, float]:
    return (b.center[0] - a.center[0]) / dt, (b.center[1] - a.center[1]) / dt


def _kept_pace(a: Box, b: Box, dt: float, step: tuple[float, float] | None) -> bool:
    """Box b, dt seconds after a, lies where the velocity of the steps before put it (within
    a third of the distance): the same vehicle, unseen in between."""
    if step is None or dt > MAX_LOST_S:
        return False
    ex, ey = step[0] * dt, step[1] * dt
    dx, dy = b.center[0] - a.center[0], b.center[1] - a.center[1]
    expected = math.hypot(ex, ey)
    return expected > 0 and math.hypot(dx - ex, dy - ey) <= expected / 3


def _passed(prev: tuple[float, Box], box: Box, ts: float, points: npt.NDArray[np.float64],
            swept: Box) -> float:
    """When a box moving steadily from prev to box first reached one of the points it swept:
    its leading edge's time there, interpolated."""
    t0, a = prev
    dx, dy = box.center[0] - a.center[0], box.center[1] - a.center[1]
    norm = math.hypot(dx, dy)
    if norm == 0:
        return ts
    ux, uy = dx / norm, dy / norm

    def front(b: Box) -> float:
        return float(max(x * ux + y * uy for x in (b.x, b.x + b.w) for y in (b.y, b.y + b.h)))

    inside = [p for p in points if swept.contains(p[0], p[1], 2.0)]
    if not inside:
        return ts
    reach = min(float(px * ux + py * uy) for px, py in inside)
    f0, f1 = front(a), front(box)
    share = 0.0 if f1 <= f0 else float(np.clip((reach - f0) / (f1 - f0), 0.0, 1.0))
    return t0 + share * (ts - t0)


def _alike(a: Box, b: Box) -> bool:
    return abs(a.h - b.h) <= 0.25 * max(a.h, b.h, 1) and abs(a.w - b.w) <= 0.5 * max(a.w, b.w, 1)


def _hull(a: Box, b: Box) -> Box:
    x0, y0 = min(a.x, b.x), min(a.y, b.y)
    return Box(x0, y0, max(a.x + a.w, b.x + b.w) - x0, max(a.y + a.h, b.y + b.h) - y0)


def _reach(track: Track, region: Box) -> float:
    """How far beyond the region's far edge the track got, along its direction of travel."""
    fx, fy = track.path[0][1].center
    far = max((b.center for _, b in track.path),
              key=lambda c: (c[0] - fx) ** 2 + (c[1] - fy) ** 2)
    dx, dy = far[0] - fx, far[1] - fy
    norm = max(1e-6, (dx * dx + dy * dy) ** 0.5)
    dx, dy = dx / norm, dy / norm

    def front(b: Box) -> float:
        return float(max(x * dx + y * dy for x in (b.x, b.x + b.w) for y in (b.y, b.y + b.h)))

    return max(front(b) for _, b in track.path) - front(region)


def arrived_unseen(track: Track, points: npt.NDArray[np.float64], frame: AnalysisFrame) -> bool:
    """The track stands on the region from its first box, and a vehicle of its size, driving
    towards that place, was lost just before (its blob merged with one passing in the next
    lane): that vehicle came and parked there. Material lies behind where its dropper was last
    seen, never ahead of it."""
    scale = frame.scale
    born_ts, born = track.path[0]
    if track.travel > max(STOP_TRAVEL * scale, 0.5 * max(born.w, born.h)) \
            or track.recent_travel(1.0) > 3 * scale:
        return False  # it drove (its box wanders a little as the background takes it in)
    if not covers(born, points):
        return False
    bx, by = born.center
    for other in frame.tracks:
        if other is track or not other.vehicle or not born_ts - LOST_S <= other.last_ts < born_ts:
            continue
        last = other.box
        if not _alike(last, born) or last.w * last.h < 0.5 * _typical_area(other):
            continue
        speed = math.hypot(other.vx, other.vy)
        if speed < FAST * scale:
            continue
        ox, oy = last.center
        ahead = ((bx - ox) * other.vx + (by - oy) * other.vy) / speed
        reach = speed * (born_ts - other.last_ts) + max(last.w, last.h)
        sideways = abs((bx - ox) * other.vy - (by - oy) * other.vx) / speed
        if 0 < ahead <= reach and sideways <= 0.5 * max(last.w, last.h):
            return True
    return False
