from pathlib import Path

import cv2
import numpy as np
import orjson
import pytest

from simulator.cameras.scene import Scene
from video import evidence
from video.analyze import main, parse_roi


def write_clip(path: Path, seed: int) -> None:
    sc = Scene.make(seed, 640, 360)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), sc.fps, (640, 360))
    for _, jpeg in sc.frames():
        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None
        writer.write(img)
    writer.release()


def test_cli_prints_json_lines_and_writes_evidence(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    clip = tmp_path / "clip.mp4"
    write_clip(clip, 20)
    out = tmp_path / "ev"
    assert main([str(clip), "--out", str(out), "--roi", "0,0;640,0;640,360;0,360"]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = {e["kind"] for e in lines}
    assert {"motion", "vehicle", "spill"} <= kinds
    spill = next(e for e in lines if e["kind"] == "spill")
    assert not evidence.read(out, spill["evidence"])["tampered"]


def test_cli_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.mp4")]) == 2
    assert "cannot open" in capsys.readouterr().err
    assert main([str(tmp_path / "x.mp4"), "--roi", "1,2;3"]) == 2


def test_roi_parsing() -> None:
    assert parse_roi("0,0;10,0;10,10") == [(0, 0), (10, 0), (10, 10)]
    with pytest.raises(ValueError, match="at least 3"):
        parse_roi("0,0;1,1")
    with pytest.raises(ValueError, match="bad ROI point"):
        parse_roi("0,0;a,b;1,1")
