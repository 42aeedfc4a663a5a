"""Detection on synthetic scenes with ground truth (the 200-scene runs are
bench/video_accuracy.py). Seeds here lie outside both bench seed sets (tuned on 1000-1199,
held out 5000-5199)."""

from pathlib import Path

import numpy as np
import pytest

from simulator.cameras.materials import measure
from simulator.cameras.scene import Scene
from simulator.cameras.score import score
from video import evidence
from video.config import VideoConfig

from .helpers import analyse_scene, spills


def scene(seed: int) -> Scene:
    return Scene.make(seed, 640, 360)


def assert_found_and_blamed(sc: Scene, keep_frames: bool = True) -> None:
    truth = sc.truth()["spills"]
    assert len(truth) == 1
    events = analyse_scene(sc, keep_frames=keep_frames)
    s = score(sc, events)
    assert (s.hits, s.false, s.attributed) == (1, 0, 1)
    found = spills(events)[0]
    assert found["ts"] - truth[0]["last_ts"] < 10.0  # within seconds of the drop
    assert found["vehicle"]["first_ts"] <= truth[0]["first_ts"]


@pytest.mark.parametrize("seed", [32, 12, 2])
def test_low_contrast_spill_found_and_blamed_on_the_truck(seed: int) -> None:
    """32: debris 4 grey levels from the road, a car follows over it; 12: muddy water 3 levels
    from the road, a car parks; 2: sand 5 levels from a dark road in low light."""
    sc = scene(seed)
    assert sc.truth()["spills"][0]["gap"] < 15
    assert_found_and_blamed(sc)


@pytest.mark.parametrize("keep_frames", [True, False])
def test_orange_brown_lump_within_five_grey_levels(keep_frames: bool) -> None:
    """The issue's case: a flat orange-brown lump that grey sees within a few levels of the
    road; in colour anyone sees it at once. With frames kept (the server, --out) and without
    (the CLI without --out: no full-resolution check, the colour decides)."""
    sc = scene(26)
    level = sc.plan.road_level + float(np.mean(sc.plan.tint))
    colour = (int(level - 22), int(level + 2), int(level + 20))  # BGR: orange-brown
    road = sc.plan.road_level + np.array(sc.plan.tint)
    gap, delta_e = measure(colour, road)
    assert gap < 6 and delta_e > 10
    for piece in sc.plan.pieces:
        piece.colour, piece.material, piece.textured = colour, "soil", False
    sc.plan.vehicles[0].load_colour = colour
    assert_found_and_blamed(sc, keep_frames)


@pytest.mark.parametrize("seed", [5, 37, 21, 25, 34])
def test_distractors_are_not_spills(seed: int) -> None:
    """5: a car parks, a cloud shadow drifts, the light changes; 37: a swaying tree's shadow,
    the light changes, shake; 21: low light (colour noise), headlights, a person leaves a bag;
    25: a person stands, a shadow falls, flicker, headlights; 34: a car parks, a cloud."""
    sc = scene(seed)
    assert not sc.truth()["spills"]
    events = analyse_scene(sc)
    assert spills(events) == []
    assert any(e["kind"] == "vehicle" for e in events)


def test_evidence_written_for_a_spill(tmp_path: Path) -> None:
    sc = scene(27)
    events = analyse_scene(sc, out=tmp_path)
    found = spills(events)[0]
    manifest = evidence.read(tmp_path, found["evidence"])
    assert not manifest["tampered"]
    truth = sc.truth()["spills"][0]
    # From before the vehicle entered to after the material lay still.
    assert manifest["start_ts"] < found["vehicle"]["first_ts"]
    assert manifest["end_ts"] >= found["ts"] - 0.5
    assert manifest["start_ts"] < truth["first_ts"] < manifest["end_ts"]
    assert "vehicle.jpg" in manifest["files"] and "clip.mp4" in manifest["files"]


def test_motion_event_starts_and_ends() -> None:
    events = analyse_scene(scene(1), VideoConfig())
    states = [e["state"] for e in events if e["kind"] == "motion"]
    assert states[:2] == ["start", "end"]


def test_the_same_scene_without_the_drop_is_silent() -> None:
    sc = scene(26)
    sc.plan.pieces.clear()
    sc.plan.spills.clear()
    events = analyse_scene(sc)
    assert spills(events) == []
    assert any(e["kind"] == "vehicle" for e in events)


def test_faint_trail_stays_reported_while_it_lies() -> None:
    """Slurry 5 grey levels from the road, found by its colour: it stays on the road to the
    end, so it is never cleared (and not reported a second time), though its colour hovers
    near the threshold that made it material (a tuning-set scene: 1127)."""
    sc = scene(1127)
    events = analyse_scene(sc)
    found = [e for e in events if e["kind"] == "spill"]
    assert [e.get("state") for e in found] == [None]
    assert score(sc, events).hits == 1
