"""Real footage: car-detection.mp4 (Intel IoT Dev Kit sample videos, CC BY 4.0) and three
traffic clips from bgslibrary (MIT, tests/data/README.md)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from video.analyze import run, video_frames
from video.config import VideoConfig
from video.runner import CameraRunner

from .helpers import need_clip, spills


def events_of(frames: Iterator[tuple[float, Any]]) -> list[dict[str, Any]]:
    return list(run(frames, CameraRunner("intel", None, VideoConfig()), None))


def test_cars_and_motion_found_and_no_spill() -> None:
    events = events_of(video_frames(need_clip()))
    vehicles = [e for e in events if e["kind"] == "vehicle"]
    assert len(vehicles) >= 3
    assert all(len(v["path"]) >= 5 for v in vehicles)
    assert any(e["kind"] == "motion" and e["state"] == "start" for e in events)
    assert spills(events) == []


@pytest.mark.parametrize("name", ["bgs-highway.avi", "bgs-motorway.avi", "bgs-avenue.avi"])
def test_real_traffic_raises_no_spill(name: str) -> None:
    """Busy roads, codec traces of passing cars, leaf shadows: vehicles, no spill."""
    clip = Path(__file__).resolve().parents[1] / "data" / name
    events = events_of(video_frames(clip))
    assert sum(e["kind"] == "vehicle" for e in events) >= 2
    assert spills(events) == []


def paste_lump(frame: np.ndarray, cx: int, cy: int, rng: np.random.Generator) -> None:
    """Soil-coloured clods with their own texture, as a truck would leave them."""
    x0, y0, x1, y1 = cx - 30, cy - 30, cx + 30, cy + 30
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.ellipse(mask, (30, 30), (26, 16), 20, 0, 360, 255, -1)
    texture = np.array([60, 95, 140], np.float32) + rng.normal(0, 25, (*mask.shape, 1))
    patch = frame[y0:y1, x0:x1]
    patch[mask > 0] = np.clip(texture, 0, 255).astype(np.uint8)[mask > 0]


def test_material_left_after_a_car_is_found_and_blamed_on_it() -> None:
    clip = need_clip()
    # The first car drives up the right lane (x ~ 370) from 4.4 s and has passed y = 330 by
    # 7 s; the material appears there then and stays.
    rng = np.random.default_rng(0)

    def composited() -> Iterator[tuple[float, Any]]:
        for ts, frame in video_frames(clip):
            if ts >= 7.0:
                paste_lump(frame, 380, 330, np.random.default_rng(rng.integers(1 << 30)))
            yield ts, frame

    events = events_of(composited())
    found = spills(events)
    assert len(found) == 1
    x, y, w, h = found[0]["box"]
    assert x <= 380 <= x + w and y <= 330 <= y + h
    car = found[0]["vehicle"]
    first_car = min((e for e in events if e["kind"] == "vehicle"), key=lambda e: e["first_ts"])
    assert car["track"] == first_car["track"]
    assert car["first_ts"] < 5.0
