"""The signing key: made once with mode 0600, shared by every process, refused when unsafe."""

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from video.signing import (
    SigningKeyError,
    key_id,
    key_path,
    load,
    load_or_create,
    load_public,
    public_info,
)

ROOT = Path(__file__).resolve().parents[2]


def test_made_once_private_and_reused(tmp_path: Path) -> None:
    path = key_path(tmp_path / "data" / "evidence")
    assert path == tmp_path / "data" / "evidence-signing.key"
    first = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    again = load_or_create(path)
    assert key_id(again.public_key()) == key_id(first.public_key())
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    """Several processes (gateways and web processes on one shared data folder) race to make
    the key: one wins, every one of them ends up with that key."""
    path = tmp_path / "shared" / "evidence-signing.key"
    code = ("import sys; from pathlib import Path; from video.signing import *; "
            "print(key_id(load_or_create(Path(sys.argv[1])).public_key()))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) for _ in range(6)]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(ids) == 1 and all(p.returncode == 0 for p in procs)
    assert ids == {key_id(load(path).public_key())}


def test_a_key_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evidence-signing.key"
    load_or_create(path)
    os.chmod(path, 0o644)
    with pytest.raises(SigningKeyError, match=r"mode 0644.*chmod 600"):
        load_or_create(path)


@pytest.mark.parametrize("content", [b"", b"-----BEGIN PRIVATE KEY-----\ngarbage\n",
                                     b"\x00" * 100])
def test_a_corrupt_key_is_refused_and_kept(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "evidence-signing.key"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(SigningKeyError, match="not a PEM Ed25519 private key"):
        load_or_create(path)
    assert path.read_bytes() == content  # never made over


def test_public_key_forms(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    info = public_info(key.public_key())
    assert info["algorithm"] == "Ed25519" and info["key_id"] == key_id(key.public_key())
    raw = base64.b64decode(info["raw"])
    assert len(raw) == 32
    for text in (info["pem"], info["raw"], key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()):
        (tmp_path / "k").write_text(text)
        assert key_id(load_public(tmp_path / "k")) == info["key_id"]
    (tmp_path / "k").write_text("not a key")
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        load_public(tmp_path / "k")
