"""The deployment's evidence signing key: Ed25519, made on first start, never made over.

The key lives beside the evidence folder, in the data folder: `<data_dir>/evidence-signing.key`
(PEM, PKCS#8, unencrypted), mode 0600. Every process of a deployment that writes or checks
evidence (the single server, or the gateways and web processes over Redis, which share the data
folder as they share the evidence) uses that one file.

Creation is atomic and never replaces a key: the new key is written whole to a private file
opened with O_CREAT|O_EXCL, then hard-linked to the final name, which fails if another process
got there first; the loser drops its key and loads the winner's. A reader never sees half a key.
A key file that others may read, or that is not an Ed25519 private key, stops the start with a
message saying what to do (SigningKeyError).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_NAME = "evidence-signing.key"
MAX_KEY_BYTES = 16 << 10


class SigningKeyError(Exception):
    """The signing key file exists but may not be used (its message says why and what to do)."""


def key_path(evidence_root: Path) -> Path:
    """The key of the deployment whose evidence is under evidence_root: in its parent folder."""
    return Path(os.path.abspath(evidence_root)).parent / KEY_NAME


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The key at path, made first if there is none (by this process or a concurrent one)."""
    try:
        return load(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SigningKeyError(f"cannot read evidence signing key {path}: {exc.strerror}") from exc
    try:
        _create(path)
        return load(path)
    except OSError as exc:
        raise SigningKeyError(
            f"cannot create evidence signing key {path}: {exc.strerror}") from exc


def load(path: Path) -> Ed25519PrivateKey:
    """The key at path; FileNotFoundError if absent, SigningKeyError if unusable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SigningKeyError(f"evidence signing key {path} is not a regular file")
        if st.st_mode & 0o077:
            raise SigningKeyError(
                f"evidence signing key {path} is open to other users (mode "
                f"{stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {path}")
        data = os.read(fd, MAX_KEY_BYTES + 1)
    finally:
        os.close(fd)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"evidence signing key {path} is not a PEM Ed25519 private key (corrupt?). Restore it "
            "from a backup; only if it is lost, move it away and start again to make a new one "
            "(evidence signed with the old key then verifies only with the old public key)")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def public_info(key: Ed25519PublicKey) -> dict[str, Any]:
    """What GET /api/v1/evidence/public-key answers."""
    pem = key.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"algorithm": "Ed25519", "key_id": key_id(key), "pem": pem,
            "raw": base64.b64encode(raw_public(key)).decode()}


def load_public(path: Path) -> Ed25519PublicKey:
    """A public key from a file: PEM (SubjectPublicKeyInfo, or the private key itself) or the
    raw 32-byte key in base64 (the endpoint's "raw"); ValueError saying what is wrong."""
    data = path.read_bytes()[:MAX_KEY_BYTES].strip()
    key: Any = None
    if data.startswith(b"-----BEGIN"):
        with contextlib.suppress(ValueError, TypeError, UnsupportedAlgorithm):
            key = (serialization.load_pem_private_key(data, password=None).public_key()
                   if b"PRIVATE KEY" in data.split(b"\n", 1)[0]
                   else serialization.load_pem_public_key(data))
    else:
        with contextlib.suppress(ValueError):
            raw = base64.b64decode(data, validate=True)
            if len(raw) == 32:
                key = Ed25519PublicKey.from_public_bytes(raw)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key (PEM, or 32 bytes in base64)")
    return key
