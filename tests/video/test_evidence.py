from pathlib import Path

import cv2
import numpy as np
import pytest

from video import evidence
from video.evidence import EvidenceRequest


def frames(n: int = 6) -> list[tuple[float, bytes]]:
    out = []
    for i in range(n):
        img = np.full((120, 160, 3), 40 + 20 * i, np.uint8)
        out.append((1000.0 + i * 0.2, cv2.imencode(".jpg", img)[1].tobytes()))
    return out


def write(root: Path, ts: float = 1000.0) -> str:
    eid = evidence.new_id("cam/1 ../x", ts)
    req = EvidenceRequest("cam/1 ../x", "spill", ts, frames(), {"box": [10, 10, 20, 20]},
                          vehicle_box=[5, 5, 60, 40], vehicle_ts=1000.2,
                          material_box=[10, 10, 20, 20])
    evidence.write(root, eid, req)
    return eid


def test_folder_has_frames_clip_crop_and_hashes(tmp_path: Path) -> None:
    eid = write(tmp_path)
    assert evidence.ID_RE.match(eid) and "/" not in eid
    m = evidence.read(tmp_path, eid)
    assert m["camera"] == "cam/1 ../x" and m["kind"] == "spill"
    assert not m["tampered"]
    names = set(m["files"])
    assert {"clip.mp4", "vehicle.jpg", "overview.jpg"} <= names
    assert len([n for n in names if n.startswith("frames/")]) == 6
    assert m["start_ts"] == 1000.0 and m["end_ts"] == pytest.approx(1001.0)
    cap = cv2.VideoCapture(str(tmp_path / eid / "clip.mp4"))
    assert cap.isOpened() and cap.read()[0]
    assert evidence.listing(tmp_path)[0]["id"] == eid
    assert evidence.listing(tmp_path, camera="other") == []


def test_never_overwritten(tmp_path: Path) -> None:
    eid = write(tmp_path)
    with pytest.raises(FileExistsError):
        evidence.write(tmp_path, eid, EvidenceRequest("c", "spill", 1.0, frames()))


def test_tampering_is_reported(tmp_path: Path) -> None:
    eid = write(tmp_path)
    (tmp_path / eid / "frames" / "000002.jpg").write_bytes(b"\xff\xd8 edited \xff\xd9")
    assert evidence.read(tmp_path, eid)["tampered"]
    eid2 = write(tmp_path, ts=2000.0)
    (tmp_path / eid2 / "vehicle.jpg").unlink()
    assert evidence.read(tmp_path, eid2)["tampered"]


@pytest.mark.parametrize("bad", ["../etc", "ev-x-20240101T000000Z-zzzzzzzz", "", "ev-a/b",
                                 "ev-c-20240101T000000Z-0000000g", "/abs"])
def test_bad_ids_never_reach_the_filesystem(tmp_path: Path, bad: str) -> None:
    with pytest.raises(KeyError):
        evidence.read(tmp_path, bad)
    with pytest.raises(KeyError):
        evidence.file_path(tmp_path, bad, "clip.mp4")


@pytest.mark.parametrize("name", ["../manifest.json", "manifest.json", "frames/../../x",
                                  "/etc/passwd", "frames/999999.jpg", "clip.mp4/.."])
def test_only_listed_files_are_served(tmp_path: Path, name: str) -> None:
    eid = write(tmp_path)
    with pytest.raises(KeyError):
        evidence.file_path(tmp_path, eid, name)
    path = evidence.file_path(tmp_path, eid, "clip.mp4")
    assert path.parent == (tmp_path / eid).resolve()


def test_unknown_id_is_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        evidence.read(tmp_path, evidence.new_id("c", 5.0))


def test_retention_by_age_then_budget(tmp_path: Path) -> None:
    old = write(tmp_path, ts=1000.0)
    mid = write(tmp_path, ts=5000.0)
    new = write(tmp_path, ts=9000.0)
    removed = evidence.retain(tmp_path, now=10000.0, max_age_s=8000.0, max_bytes=1 << 40)
    assert removed == [old]
    size = sum(p.stat().st_size for p in (tmp_path / new).rglob("*") if p.is_file())
    removed = evidence.retain(tmp_path, now=10000.0, max_age_s=8000.0, max_bytes=size + 10)
    assert removed == [mid]
    assert [e["id"] for e in evidence.listing(tmp_path)] == [new]
