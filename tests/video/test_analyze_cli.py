from pathlib import Path

import av
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
    write_clip(clip, 27)
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


def h264_clip(path: Path, frames: int = 120) -> None:
    """A block crossing a 320x180 road at 10 fps, H.264 with a keyframe every 10 frames."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10, options={"g": "10", "preset": "ultrafast"})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(frames):
            img = np.full((180, 320, 3), 90, np.uint8)
            x = (i * 4) % 300
            cv2.rectangle(img, (x, 70), (x + 40, 100), (30, 60, 200), -1)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")))
        out.mux(stream.encode(None))


def test_corrupt_packets_are_skipped_and_reported(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    clip = tmp_path / "damaged.mp4"
    h264_clip(clip)
    data = bytearray(clip.read_bytes())
    middle = data.index(b"mdat") + (len(data) - data.index(b"mdat")) // 3
    data[middle:middle + 3000] = np.random.default_rng(1).integers(0, 256, 3000, np.uint8).tobytes()
    clip.write_bytes(bytes(data))
    assert main([str(clip)]) == 1
    err = capsys.readouterr().err
    assert str(clip) in err and "packets could not be decoded" in err
    analysed = int(err.split("the other ")[1].split()[0])
    assert 80 <= analysed < 120  # past the damage (about a third in) to the end


def test_damage_after_a_spill_keeps_its_evidence(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A clip damaged near its end: the damage is named (exit 1) and the spill found before
    it still has its signed evidence folder."""
    clip = tmp_path / "clip.mp4"
    write_clip(clip, 27)
    data = bytearray(clip.read_bytes())
    at = data.index(b"mdat")
    end = at - 4 + int.from_bytes(data[at - 4:at], "big")
    cut = end - (end - at) // 12  # the last few frames
    data[cut:end - 8] = np.random.default_rng(4).integers(0, 256, end - 8 - cut,
                                                          np.uint8).tobytes()
    clip.write_bytes(bytes(data))
    out = tmp_path / "ev"
    code = main([str(clip), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1 and "packets could not be decoded" in captured.err
    lines = [orjson.loads(line) for line in captured.out.splitlines()]
    spill = next(e for e in lines if e["kind"] == "spill")
    assert not evidence.read(out, spill["evidence"])["tampered"]


@pytest.mark.parametrize(("content", "message"), [
    ("unknown codec", "codec FFmpeg does not know"),
    ("text", "not a video file"),
    ("garbled", "no frame of its h264 stream could be decoded"),
])
def test_unreadable_clips_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    content: str, message: str) -> None:
    clip = tmp_path / f"{content.replace(' ', '-')}.mp4"
    h264_clip(clip, 30)
    data = bytearray(clip.read_bytes())
    if content == "unknown codec":
        data = bytearray(data.replace(b"avc1", b"zzzz"))
    elif content == "text":
        data = bytearray(b"this is not a video\n" * 50)
    else:
        at = data.index(b"mdat")  # every packet garbled, the index (moov) left whole
        start, end = at + 4, at - 4 + int.from_bytes(data[at - 4:at], "big")
        data[start:end] = np.random.default_rng(2).integers(0, 256, end - start,
                                                            np.uint8).tobytes()
    clip.write_bytes(bytes(data))
    out = tmp_path / "ev"
    assert main([str(clip), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(clip) in err and message in err
