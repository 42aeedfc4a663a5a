"""Evidence folders: contents, clips browsers play, signatures, tampering named, retention."""

import shutil
from pathlib import Path

import av
import cv2
import numpy as np
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from video import evidence
from video.evidence import EvidenceRequest
from video.integrity import sha256
from video.signing import key_path, load_or_create


def frames(n: int = 6, step: float = 0.2) -> list[tuple[float, bytes]]:
    out = []
    for i in range(n):
        img = np.full((120, 160, 3), 40 + 15 * (i % 12), np.uint8)
        out.append((1000.0 + i * step, cv2.imencode(".jpg", img)[1].tobytes()))
    return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def key(root: Path) -> Ed25519PrivateKey:
    return load_or_create(key_path(root))


def write(root: Path, ts: float = 1000.0, codec: str | None = "h264",
          key: Ed25519PrivateKey | None = None, shots: list[tuple[float, bytes]] | None = None,
          ) -> str:
    eid = evidence.new_id("cam/1 ../x", ts)
    req = EvidenceRequest("cam/1 ../x", "spill", ts, shots or frames(), {"box": [10, 10, 20, 20]},
                          vehicle_box=[5, 5, 60, 40], vehicle_ts=1000.2,
                          material_box=[10, 10, 20, 20])
    evidence.write(root, eid, req, codec, key)
    return eid


def status(root: Path, eid: str) -> tuple[str, list[str]]:
    m = evidence.read(root, eid)
    return m["integrity"]["status"], m["integrity"]["modified"]


def test_folder_has_frames_clip_crop_and_hashes(root: Path, key: Ed25519PrivateKey) -> None:
    eid = write(root, key=key)
    assert evidence.ID_RE.match(eid) and "/" not in eid
    m = evidence.read(root, eid)
    assert m["camera"] == "cam/1 ../x" and m["kind"] == "spill"
    assert not m["tampered"] and m["integrity"]["status"] == "valid"
    names = set(m["files"])
    assert {"clip.mp4", "vehicle.jpg", "overview.jpg"} <= names
    assert len([n for n in names if n.startswith("frames/")]) == 6
    assert m["start_ts"] == 1000.0 and m["end_ts"] == pytest.approx(1001.0)
    assert m["clip"]["codec"] == "h264" and m["clip"]["mime"].startswith("video/mp4")
    assert evidence.listing(root)[0]["id"] == eid
    assert evidence.listing(root, camera="other") == []


@pytest.mark.parametrize(("codec", "file", "decoder"), [("h264", "clip.mp4", "h264"),
                                                        ("vp9", "clip.webm", "vp9")])
def test_clip_plays_at_the_recorded_pace(root: Path, codec: str, file: str, decoder: str) -> None:
    shots = frames(12, step=0.25)
    eid = write(root, codec=codec, shots=shots[:5] + shots[6:])  # a frame lost on the way
    path = root / eid / file
    data = path.read_bytes()
    if codec == "h264":  # +faststart: the index comes before the media data
        assert data.index(b"moov") < data.index(b"mdat")
    with av.open(str(path)) as clip:
        stream = clip.streams.video[0]
        assert stream.codec_context.name == decoder
        times = [f.time for f in clip.decode(stream)]
    expected = [ts - 1000.0 for ts, _ in shots[:5] + shots[6:]]
    assert times == pytest.approx(expected, abs=0.002)


def test_undecodable_frames_never_lose_the_folder(root: Path, key: Ed25519PrivateKey) -> None:
    shots = frames(6)
    broken = shots[2][1][:600] + bytes(200) + b"\xff\xd9"
    shots[2] = (shots[2][0], b"\xff\xd8\xff\xfe\x00\x04xx" + bytes(50) + b"\xff\xd9")
    shots[5] = (shots[5][0], broken[:200] + b"\xff\xd9")  # the last: the overview's frame
    eid = write(root, key=key, shots=shots)
    m = evidence.read(root, eid)
    assert m["integrity"]["status"] == "valid"
    assert len(m["frames"]) == 6  # every frame as it arrived, the broken ones too
    assert (root / eid / "frames" / "000002.jpg").read_bytes() == shots[2][1]
    assert m["clip"]["frames"] == 4
    assert "overview.jpg" in m["files"]


def test_never_overwritten(root: Path) -> None:
    eid = write(root)
    with pytest.raises(FileExistsError):
        evidence.write(root, eid, EvidenceRequest("c", "spill", 1.0, frames()))


def test_rewritten_manifest_with_rewritten_files_is_caught(root: Path,
                                                          key: Ed25519PrivateKey) -> None:
    """The attack the hashes alone cannot catch: edit a frame and put its new hash in the
    manifest."""
    eid = write(root, key=key)
    folder = root / eid
    (folder / "frames" / "000002.jpg").write_bytes(frames(1)[0][1])
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    manifest["files"]["frames/000002.jpg"] = sha256(folder / "frames" / "000002.jpg")
    manifest["camera"] = "another"
    (folder / "manifest.json").write_bytes(orjson.dumps(
        manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    assert status(root, eid) == ("modified", ["manifest.json"])
    # ... and re-signing it with a key of one's own is caught too.
    other = Ed25519PrivateKey.generate()
    (folder / "manifest.sig").write_bytes(other.sign((folder / "manifest.json").read_bytes()))
    assert status(root, eid) == ("modified", ["manifest.json"])


def test_each_change_is_named(root: Path, key: Ed25519PrivateKey) -> None:
    eid = write(root, key=key)
    (root / eid / "frames" / "000002.jpg").write_bytes(b"\xff\xd8 edited \xff\xd9")
    (root / eid / "vehicle.jpg").unlink()
    (root / eid / "frames" / "000099.jpg").write_bytes(b"planted")
    m = evidence.read(root, eid)
    assert m["tampered"]
    assert m["integrity"]["modified"] == ["frames/000002.jpg", "vehicle.jpg", "frames/000099.jpg"]

    eid2 = write(root, ts=2000.0, key=key)
    (root / eid2 / "manifest.sig").unlink()  # a stripped signature is not "unsigned"
    assert status(root, eid2) == ("modified", ["manifest.sig"])

    eid3 = write(root, ts=3000.0, key=key)
    copy = evidence.new_id("cam/1 ../x", 3500.0)
    shutil.copytree(root / eid3, root / copy)  # a valid folder passed off as another event
    assert status(root, copy) == ("modified", ["manifest.json"])


def test_old_unsigned_evidence_says_so(root: Path) -> None:
    eid = write(root)
    assert status(root, eid) == ("unsigned", [])
    (root / eid / "overview.jpg").write_bytes(b"x")
    assert status(root, eid) == ("modified", ["overview.jpg"])
    (root / eid / "manifest.json").write_bytes(b"{not json")
    assert status(root, eid) == ("modified", ["manifest.json"])


@pytest.mark.parametrize("bad", ["../etc", "ev-x-20240101T000000Z-zzzzzzzz", "", "ev-a/b",
                                 "ev-c-20240101T000000Z-0000000g", "/abs", "public-key"])
def test_bad_ids_never_reach_the_filesystem(root: Path, bad: str) -> None:
    with pytest.raises(KeyError):
        evidence.read(root, bad)
    with pytest.raises(KeyError):
        evidence.file_path(root, bad, "clip.mp4")


@pytest.mark.parametrize("name", ["../manifest.json", "manifest.json", "frames/../../x",
                                  "/etc/passwd", "frames/999999.jpg", "clip.mp4/..",
                                  "manifest.sig", "clip.webm"])
def test_only_listed_files_are_served(root: Path, name: str) -> None:
    eid = write(root)
    with pytest.raises(KeyError):
        evidence.file_path(root, eid, name)
    path = evidence.file_path(root, eid, "clip.mp4")
    assert path.parent == (root / eid).resolve()


def test_unknown_id_is_key_error(root: Path) -> None:
    with pytest.raises(KeyError):
        evidence.read(root, evidence.new_id("c", 5.0))


def test_retention_by_age_then_budget(root: Path) -> None:
    old = write(root, ts=1000.0)
    mid = write(root, ts=5000.0)
    new = write(root, ts=9000.0)
    removed = evidence.retain(root, now=10000.0, max_age_s=8000.0, max_bytes=1 << 40)
    assert removed == [old]
    size = sum(p.stat().st_size for p in (root / new).rglob("*") if p.is_file())
    removed = evidence.retain(root, now=10000.0, max_age_s=8000.0, max_bytes=size + 10)
    assert removed == [mid]
    assert [e["id"] for e in evidence.listing(root)] == [new]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(0, 1 << 30), offset=st.integers(0, 1 << 30), flip=st.integers(1, 255))
def test_any_changed_byte_is_named(tmp_path: Path, pick: int, offset: int, flip: int) -> None:
    """Whatever single byte of a signed folder changes, the check names the file it is in
    (a byte of manifest.sig or manifest.json fails the signature: manifest.json)."""
    source = tmp_path / "source"
    if not source.exists():
        write(source, key=load_or_create(key_path(source)))
    root = tmp_path / f"case-{pick}-{offset}-{flip}" / "evidence"
    shutil.copytree(source, root)
    shutil.copy(key_path(source), key_path(root))
    eid = next(p.name for p in root.iterdir())
    files = sorted(p for p in (root / eid).rglob("*") if p.is_file())
    target = files[pick % len(files)]
    data = bytearray(target.read_bytes())
    data[offset % len(data)] ^= flip
    target.write_bytes(bytes(data))
    name = target.relative_to(root / eid).as_posix()
    state, modified = status(root, eid)
    assert state == "modified"
    if name in ("manifest.json", "manifest.sig"):  # an edited hash or name may add its file
        assert modified[0] == "manifest.json"
    else:
        assert modified == [name]
