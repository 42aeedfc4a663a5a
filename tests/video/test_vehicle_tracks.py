"""The vehicle tracker keeps one track per vehicle across a short disappearance
(video/detectors/vehicles.py): a vehicle whose blob merges with another's, or that is hidden
behind it, comes out again where its pace has it."""

import numpy as np

from video.config import VehicleConfig
from video.detectors.base import AnalysisFrame, Box
from video.detectors.vehicles import VehicleTracker

FPS = 5.0
FAST = 150.0  # analysis pixels a second: crossing a 320-pixel picture in 2 s
SLOW = 60.0


def frame(ts: float, objects: list[Box]) -> AnalysisFrame:
    gray = np.zeros((180, 320), np.uint8)
    return AnalysisFrame(gray, ts, np.full_like(gray, 255), 1.0, objects=objects)


def drive(hidden: tuple[float, float], speed: float = FAST) -> list[int]:
    """A 40x20 truck driving right from x=0 at `speed`; unseen while hidden[0] <= ts <
    hidden[1]. Returns the track ids that held it, in order."""
    tracker = VehicleTracker(VehicleConfig())
    ids: list[int] = []
    for i in range(int(280 / speed * FPS) + 1):
        ts = i / FPS
        x = int(speed * ts)
        seen = not hidden[0] <= ts < hidden[1]
        boxes = tracker.detect(frame(ts, [Box(x, 80, 40, 20, 800)] if seen else []))
        ids += [b.track for b in boxes if b.track is not None and b.track not in ids]
    return ids


def test_a_vehicle_unseen_for_a_second_keeps_its_track() -> None:
    """Five frames unseen at 5 frames/s (more than max_missed): still one track, so the road
    it crossed unseen is known to have been passed by it."""
    assert drive(hidden=(0.8, 1.8)) == [1]


def test_a_slow_vehicle_unseen_for_a_second_keeps_its_track() -> None:
    assert drive(hidden=(1.0, 2.2), speed=SLOW) == [1]


def test_a_vehicle_unseen_longer_than_coast_s_starts_a_new_track() -> None:
    assert VehicleConfig().coast_s < 1.8
    assert len(drive(hidden=(1.0, 2.8), speed=SLOW)) == 2


def test_a_vehicle_that_was_not_yet_on_its_way_is_not_kept() -> None:
    """Too few boxes to know its pace: unseen past max_missed frames, its track ends."""
    assert len(drive(hidden=(0.4, 1.6))) == 2


def test_a_coasting_track_is_not_found_again_off_its_pace() -> None:
    """A car that slowed to park while unseen (merged with a passing truck) stands well short
    of where its pace would have it: the standing blob is a new track, not the old one."""
    tracker = VehicleTracker(VehicleConfig())
    ids: list[int | None] = []
    for i in range(16):
        ts = i / FPS
        if ts < 1.0:
            objects = [Box(int(SLOW * ts), 80, 40, 20, 800)]
        elif ts < 2.2:
            objects = []
        else:
            objects = [Box(72, 80, 40, 20, 800)]  # parked 60 px short of its pace
        ids += [b.track for b in tracker.detect(frame(ts, objects))]
    assert ids[0] == 1 and ids[-1] != 1
