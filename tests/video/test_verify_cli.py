"""`python -m video.verify`, and verification by a third party with openssl or Python alone."""

import hashlib
import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from video import evidence
from video.evidence import EvidenceRequest
from video.signing import key_path, load_or_create, public_info
from video.verify import main


def shots() -> list[tuple[float, bytes]]:
    return [(100.0 + i * 0.2, cv2.imencode(".jpg", np.full((48, 64, 3), 30 * i, np.uint8))[1]
             .tobytes()) for i in range(5)]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    key = load_or_create(key_path(root))
    for ts in (100.0, 200.0):
        evidence.write(root, evidence.new_id("cam", ts), EvidenceRequest("cam", "spill", ts,
                                                                         shots()), "h264", key)
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_valid_modified_unsigned(root: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    first, second = sorted(p for p in root.iterdir())
    code, out, _ = run(capsys, str(root))
    assert code == 0
    assert out.split() == ["valid", first.name, "valid", second.name]
    (first / "frames" / "000001.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    code, out, _ = run(capsys, str(root), "--json")
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["status"], r["modified"]) for r in lines] == [
        ("modified", ["frames/000001.jpg"]), ("valid", [])]
    (second / "manifest.sig").unlink()
    evidence.write(root, evidence.new_id("cam", 300.0),
                   EvidenceRequest("cam", "spill", 300.0, shots()))  # an old, unsigned one
    code, out, _ = run(capsys, str(root / evidence.new_id("cam", 300.0)))
    assert code == 3 and out.startswith("unsigned")
    # A public key given as the endpoint hands it out (PEM) checks the same.
    pem = tmp_path / "public.pem"
    pem.write_text(public_info(load_or_create(key_path(root)).public_key())["pem"])
    code, out, _ = run(capsys, str(second), "--public-key", str(pem))
    assert code == 1 and "manifest.sig is missing" in out


def test_usage_errors_name_the_problem(root: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere: no such folder" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, str(empty))
    assert code == 2 and "no evidence folder" in err
    folder = next(root.iterdir())
    moved = tmp_path / "elsewhere" / "copy" / folder.name
    moved.parent.mkdir(parents=True)
    folder.rename(moved)
    code, _, err = run(capsys, str(moved))  # no key beside it: say how to give one
    assert code == 2 and "--public-key" in err


def test_openssl_and_python_alone_verify_it(root: Path, tmp_path: Path) -> None:
    """What README's Evidence section tells a third party to run."""
    folder = next(root.iterdir())
    pem = tmp_path / "public.pem"
    pem.write_text(public_info(load_or_create(key_path(root)).public_key())["pem"])
    cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pem), "-rawin",
           "-in", str(folder / "manifest.json"), "-sigfile", str(folder / "manifest.sig")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout

    # Python with `cryptography` and hashlib only: the signature, then every listed file.
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    public = load_pem_public_key(pem.read_bytes())
    assert isinstance(public, Ed25519PublicKey)
    data = (folder / "manifest.json").read_bytes()
    public.verify((folder / "manifest.sig").read_bytes(), data)
    for name, digest in json.loads(data)["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest

    (folder / "manifest.json").write_bytes(data.replace(b'"cam"', b'"cam2"', 1))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "Signature Verification Failure" in done.stdout
    with pytest.raises(InvalidSignature):
        public.verify((folder / "manifest.sig").read_bytes(),
                      (folder / "manifest.json").read_bytes())
