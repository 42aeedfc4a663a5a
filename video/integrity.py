"""Signing an evidence folder and checking it: valid, modified (naming what) or unsigned.

The signature (`manifest.sig`: the raw 64-byte Ed25519 signature) covers the exact bytes of
`manifest.json` as stored: no re-serialisation is needed to verify, so `openssl pkeyutl -verify
-rawin` or any Ed25519 library checks it. The manifest is written in one canonical form anyway
(UTF-8 JSON, keys sorted, two-space indent, as orjson writes it), names the key that signed it
(`signing_key`, see video/signing.py key_id) and lists the SHA-256 of every other file, so the
signature vouches for every byte of the folder.

Checking reads and hashes every file: callers on an event loop run it in a thread.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from video.signing import key_id

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
NAME_RE = re.compile(r"^(frames/\d{6}\.jpg|clip\.mp4|clip\.webm|vehicle\.jpg|overview\.jpg)$")


@dataclass(slots=True)
class Integrity:
    status: str  # valid | modified | unsigned
    modified: list[str] = field(default_factory=list)  # names that no longer match, in order
    reasons: list[str] = field(default_factory=list)
    key_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "modified": self.modified, "reasons": self.reasons,
                "key_id": self.key_id}


def manifest_bytes(manifest: dict[str, Any], key: Ed25519PrivateKey | None) -> bytes:
    """The canonical bytes of a manifest (naming the signing key when there is one)."""
    if key is not None:
        manifest = {**manifest, "signing_key": key_id(key.public_key())}
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def sign(folder: Path, data: bytes, key: Ed25519PrivateKey) -> None:
    (folder / SIGNATURE).write_bytes(key.sign(data))


def check(folder: Path, public: Ed25519PublicKey) -> tuple[dict[str, Any] | None, Integrity]:
    """(the manifest, or None if unreadable; its integrity). FileNotFoundError without one."""
    data = (folder / MANIFEST).read_bytes()
    result = Integrity("valid", key_id=None)
    try:
        manifest: dict[str, Any] | None = orjson.loads(data)
    except orjson.JSONDecodeError:
        manifest = None
    if not isinstance(manifest, dict):
        _flag(result, MANIFEST, "manifest.json is not a JSON object")
        return None, result
    signed = _check_signature(folder, data, manifest, public, result)
    if manifest.get("id") != folder.name:
        _flag(result, MANIFEST, f"manifest id {manifest.get('id')!r} is not its folder's name")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        _flag(result, MANIFEST, "manifest lists no files")
        files = {}
    for name, digest in files.items():
        _check_file(folder, name, digest, result)
    for name in _unlisted(folder, files):
        _flag(result, name, f"{name} is not listed in the manifest")
    if not result.modified and not signed:
        result.status = "unsigned"
    return manifest, result


def _check_signature(folder: Path, data: bytes, manifest: dict[str, Any],
                     public: Ed25519PublicKey, result: Integrity) -> bool:
    try:
        signature = (folder / SIGNATURE).read_bytes()
    except FileNotFoundError:
        if manifest.get("signing_key") is not None:
            _flag(result, SIGNATURE, "manifest.sig is missing from signed evidence")
        return False
    named = manifest.get("signing_key")
    result.key_id = named if isinstance(named, str) else None
    try:
        public.verify(signature, data)
    except InvalidSignature:
        ours = key_id(public)
        why = ("manifest.json or manifest.sig was changed after signing" if named in (None, ours)
               else f"signed by key {named}, not by this key ({ours})")
        _flag(result, MANIFEST, f"signature does not verify: {why}")
    return True


def _check_file(folder: Path, name: Any, digest: Any, result: Integrity) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        _flag(result, MANIFEST, f"manifest lists a file it may not: {str(name)[:80]!r}")
        return
    path = folder / name
    if not path.is_file() or path.is_symlink():
        _flag(result, name, f"{name} is missing (or not a regular file)")
    elif sha256(path) != digest:
        _flag(result, name, f"{name} does not match its SHA-256 in the manifest")


def _unlisted(folder: Path, files: dict[str, Any]) -> list[str]:
    extra = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel = os.path.relpath(dirpath, folder)
        for fname in sorted(filenames):
            name = fname if rel == "." else f"{rel}/{fname}"
            if name not in files and name not in (MANIFEST, SIGNATURE):
                extra.append(name)
    return extra


def _flag(result: Integrity, name: str, reason: str) -> None:
    result.status = "modified"
    if name not in result.modified:
        result.modified.append(name)
    result.reasons.append(reason)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)  # hashlib releases the GIL on large chunks
    return h.hexdigest()
