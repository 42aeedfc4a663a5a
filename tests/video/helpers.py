"""Shared helpers of the video tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.cameras.scene import Scene
from video.analyze import run
from video.config import VideoConfig
from video.runner import CameraRunner

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
CLIP = DATA / "car-detection.mp4"


def need_clip() -> Path:
    if not CLIP.is_file():
        pytest.skip(f"real footage not found: {CLIP} (the shared data folder beside the "
                    "checkout is absent)")
    return CLIP


def analyse_scene(scene: Scene, config: VideoConfig | None = None,
                  out: Path | None = None, keep_frames: bool = True) -> list[dict[str, Any]]:
    runner = CameraRunner("sim", None, config or VideoConfig(), keep_frames=keep_frames)
    return list(run(scene.frames(), runner, out))


def spills(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "spill" and e.get("state") != "cleared"]
