"""`python -m video.verify DIR [--public-key FILE] [--json]`: check evidence folders.

DIR is one evidence folder (it holds manifest.json) or a folder of them (the server's
<data_dir>/evidence). Each folder is reported as `valid` (signature and every file match),
`modified` (naming each file, or manifest.json, that no longer matches) or `unsigned` (files
match the manifest, but there is no signature: evidence written before signing existed).

The public key comes from --public-key (PEM, or the base64 "raw" of GET
/api/v1/evidence/public-key); without it, from the deployment's key file beside the evidence
(video/signing.py). Exit status: 0 all valid, 1 something modified, 3 something unsigned and
nothing modified, 2 could not check (no such folder, no key, a bad key file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from video import signing
from video.integrity import MANIFEST, Integrity, check

EXIT = {"valid": 0, "unsigned": 3, "modified": 1}
SEVERITY = (0, 3, 1, 2)  # exit codes, least to most serious: the most serious one is returned


def folders(path: Path) -> tuple[Path, list[Path]]:
    """(the evidence root, the evidence folders to check); ValueError if there are none."""
    if (path / MANIFEST).is_file():
        return path.parent, [path]
    if not path.is_dir():
        raise ValueError(f"{path}: no such folder")
    found = sorted(p for p in path.iterdir() if p.is_dir() and (p / MANIFEST).is_file())
    if not found:
        raise ValueError(f"{path}: no evidence folder (none holds a manifest.json)")
    return path, found


def public_key(given: Path | None, root: Path) -> Ed25519PublicKey:
    if given is not None:
        return signing.load_public(given)
    path = signing.key_path(root)
    try:
        return signing.load(path).public_key()
    except FileNotFoundError:
        raise ValueError(f"no public key: {path} does not exist; pass --public-key FILE "
                         "(GET /api/v1/evidence/public-key gives it)") from None
    except PermissionError:
        raise ValueError(f"cannot read {path}; pass --public-key FILE") from None
    except signing.SigningKeyError as exc:
        raise ValueError(str(exc)) from None


def line(folder: Path, result: Integrity) -> str:
    text = f"{result.status:<9} {folder.name}"
    for reason in result.reasons:
        text += f"\n          {reason}"
    return text


def _worse(a: int, b: int) -> int:
    return max(a, b, key=SEVERITY.index)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m video.verify", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, help="an evidence folder, or a folder of them")
    ap.add_argument("--public-key", type=Path, help="public key file (PEM or base64 raw)")
    ap.add_argument("--json", action="store_true", help="one JSON object per folder")
    args = ap.parse_args(argv)
    try:
        root, todo = folders(args.dir)
        key = public_key(args.public_key, root)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    worst = 0
    for folder in todo:
        try:
            _, result = check(folder, key)
        except OSError as exc:
            print(f"error: {folder}: {exc}", file=sys.stderr)
            worst = _worse(worst, 2)
            continue
        if args.json:
            out: dict[str, Any] = {"folder": str(folder), **result.to_json()}
            sys.stdout.buffer.write(orjson.dumps(out) + b"\n")
        else:
            print(line(folder, result))
        worst = _worse(worst, EXIT[result.status])
    sys.stdout.flush()
    return worst


if __name__ == "__main__":
    sys.exit(main())
