"""Evidence folders (docs/contract.md §5): written once, signed, checked for tampering, aged out.

Layout: <root>/<id>/manifest.json, manifest.sig (video/integrity.py), frames/NNNNNN.jpg (the
camera's own bytes, not re-encoded), clip.mp4 or clip.webm (video/clips.py), vehicle.jpg (crop),
overview.jpg (the frame with the boxes drawn). A folder is built, signed and all, under a hidden
temporary name and renamed into place, so a reader never sees half of one and an existing id is
never written over. Ids are checked against ID_RE before any path is built, and file names must
be listed in the manifest, so nothing from a request reaches the filesystem unchecked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from video import signing
from video.clips import FORMATS, write_clip
from video.evidence_media import write_crops
from video.integrity import MANIFEST, NAME_RE, check, manifest_bytes, sha256, sign

log = logging.getLogger(__name__)

ID_RE = re.compile(r"^ev-[A-Za-z0-9_-]{1,48}-\d{8}T\d{6}Z-[0-9a-f]{8}$")


@dataclass(slots=True)
class EvidenceRequest:
    camera: str
    kind: str  # spill | motion
    ts: float
    frames: list[tuple[float, bytes]]
    details: dict[str, Any] = field(default_factory=dict)
    vehicle_box: list[int] | None = None  # full-frame pixels, for the crop
    vehicle_ts: float | None = None
    material_box: list[int] | None = None


def new_id(camera: str, ts: float, salt: str = "") -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", camera)[:48] or "camera"
    stamp = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(f"{camera}|{ts:.6f}|{salt}".encode()).hexdigest()[:8]
    return f"ev-{safe}-{stamp}-{digest}"


def folder(root: Path, evidence_id: str) -> Path:
    """The folder of a valid id; KeyError for anything else (never a path outside root)."""
    if not isinstance(evidence_id, str) or not ID_RE.match(evidence_id):
        raise KeyError(evidence_id)
    return root / evidence_id


def write(root: Path, evidence_id: str, req: EvidenceRequest, codec: str | None = "h264",
          key: Ed25519PrivateKey | None = None) -> Path:
    """Write one evidence folder, signed with `key` (unsigned without one), with a clip in
    `codec` (video/clips.py FORMATS; None: no clip). FileExistsError if the id is taken."""
    final = folder(root, evidence_id)
    if final.exists():
        raise FileExistsError(f"evidence {evidence_id} exists")
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{evidence_id}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "frames").mkdir(parents=True)
    try:
        frames: list[dict[str, Any]] = []
        for i, (ts, data) in enumerate(req.frames):
            name = f"frames/{i:06d}.jpg"
            (tmp / name).write_bytes(data)
            frames.append({"file": name, "ts": ts})
        clip = _clip(tmp, req.frames, codec)
        crops = write_crops(tmp, req.frames, req.vehicle_box, req.vehicle_ts, req.material_box)
        names = [str(f["file"]) for f in frames] + ([clip["file"]] if clip else []) + crops
        manifest = {
            "id": evidence_id, "camera": req.camera, "kind": req.kind, "ts": req.ts,
            "start_ts": req.frames[0][0] if req.frames else req.ts,
            "end_ts": req.frames[-1][0] if req.frames else req.ts,
            "vehicle_box": req.vehicle_box, "material_box": req.material_box,
            "details": req.details, "frames": frames, "clip": clip,
            "files": {name: sha256(tmp / name) for name in names},
        }
        data = manifest_bytes(manifest, key)
        (tmp / MANIFEST).write_bytes(data)
        if key is not None:
            sign(tmp, data, key)
        os.rename(tmp, final)  # fails if the id appeared meanwhile: never overwrite
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("evidence %s written: %d frames", evidence_id, len(frames))
    return final


def _clip(tmp: Path, frames: list[tuple[float, bytes]], codec: str | None) -> dict[str, Any] | None:
    """The clip, or None: without a codec, or when encoding fails (the frames are kept)."""
    if codec is None:
        return None
    fmt = FORMATS[codec]
    try:
        count = write_clip(tmp / fmt.file, frames, fmt)
    except Exception:
        log.exception("clip encoding failed; evidence kept without a clip")
        return None
    return {"file": fmt.file, "codec": fmt.codec, "mime": fmt.mime, "frames": count} \
        if count else None


def read(root: Path, evidence_id: str, public: Ed25519PublicKey | None = None) -> dict[str, Any]:
    """The manifest plus "integrity" (video/integrity.py) and "tampered" (integrity is
    "modified"), checked with `public` (default: the deployment's key beside root); KeyError if
    there is no such evidence (yet). Hashes every file: slow."""
    base = folder(root, evidence_id)
    if public is None:
        public = signing.load_or_create(signing.key_path(root)).public_key()
    try:
        manifest, integrity = check(base, public)
    except FileNotFoundError:
        raise KeyError(evidence_id) from None
    out: dict[str, Any] = manifest if manifest is not None else {
        "id": evidence_id, "error": integrity.reasons[0]}
    out["integrity"] = integrity.to_json()
    out["tampered"] = integrity.status == "modified"
    return out


def file_path(root: Path, evidence_id: str, name: str) -> Path:
    """Path of a file the manifest lists; KeyError for anything else."""
    base = folder(root, evidence_id)
    if not NAME_RE.match(name):
        raise KeyError(name)
    try:
        files = orjson.loads((base / MANIFEST).read_bytes()).get("files", {})
    except (FileNotFoundError, orjson.JSONDecodeError):
        raise KeyError(evidence_id) from None
    path = (base / name).resolve()
    if name not in files or not path.is_file() or not path.is_relative_to(base.resolve()):
        raise KeyError(name)
    return path


def listing(root: Path, camera: str | None = None) -> list[dict[str, Any]]:
    """Summaries of all evidence, newest first (no hashing: see read() for the check)."""
    out = []
    for entry in _entries(root):
        item = _summary(entry)
        if item is None or (camera is not None and item["camera"] != camera):
            continue
        out.append(item)
    out.sort(key=lambda m: m["ts"] or 0.0, reverse=True)
    return out


def summary(root: Path, evidence_id: str) -> dict[str, Any] | None:
    """The listing entry of one evidence folder (None if it has no readable manifest)."""
    return _summary(folder(root, evidence_id))


def _summary(entry: Path) -> dict[str, Any] | None:
    try:
        m = orjson.loads((entry / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return {"id": entry.name, "camera": m.get("camera"), "kind": m.get("kind"),
            "ts": m.get("ts"), "frames": len(m.get("frames", []))}


def retain(root: Path, now: float, max_age_s: float, max_bytes: int) -> list[str]:
    """Delete evidence older than max_age_s, then the oldest until under max_bytes."""
    items = []
    for entry in _entries(root):
        try:
            ts = float(orjson.loads((entry / MANIFEST).read_bytes())["ts"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            ts = entry.stat().st_mtime
        size = sum(p.stat().st_size for p in entry.rglob("*") if p.is_file())
        items.append((ts, size, entry))
    items.sort()
    total = sum(size for _, size, _ in items)
    removed = []
    for ts, size, entry in items:
        if now - ts <= max_age_s and total <= max_bytes:
            break
        shutil.rmtree(entry, ignore_errors=True)
        total -= size
        removed.append(entry.name)
    if removed:
        log.info("retention removed %d evidence folders", len(removed))
    return removed


def _entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if p.is_dir() and ID_RE.match(p.name)]


class EvidenceFolder:
    """Evidence read from its folder: manifests (with the signature check), files the manifest
    lists, the listing, the public key. The video service is one; so is a web process reading
    the folder that another process's cameras write (shared storage)."""

    def __init__(self, root: Path) -> None:
        self.evidence_dir = Path(root)
        # The deployment's key, made here on first start (SigningKeyError if it is unusable).
        self.public_key = signing.load_or_create(signing.key_path(root)).public_key()

    def evidence_manifest(self, evidence_id: str) -> dict[str, Any]:
        """Hashes every file of the folder: run it in a thread from an event loop."""
        return read(self.evidence_dir, evidence_id, self.public_key)

    def evidence_public_key(self) -> dict[str, Any]:
        return signing.public_info(self.public_key)

    def evidence_file(self, evidence_id: str, name: str) -> Path:
        return file_path(self.evidence_dir, evidence_id, name)

    def list_evidence(self, camera: str | None = None) -> list[dict[str, Any]]:
        return listing(self.evidence_dir, camera)
