"""Case photos: checked (JPEG or PNG by their bytes, size and pixel limits), stored once by
SHA-256 in the data folder; EXIF time and place are read, and the public copy carries none.

The original (with its EXIF, the evidence) is kept beside the public copy and never served."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps, UnidentifiedImageError

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXT = {"image/jpeg": "jpg", "image/png": "png"}
EXIF_IFD, GPS_IFD, DATETIME_ORIGINAL = 0x8769, 0x8825, 0x9003


class PhotoRefused(ValueError):
    """status: 413 (too large), 415 (not a JPEG or PNG)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Photo:
    sha256: str
    mime: str
    bytes: int
    width: int
    height: int
    taken_ts: float | None
    exif_lon: float | None
    exif_lat: float | None


def _ratio(value: object) -> float:
    return float(value)  # type: ignore[arg-type]  # PIL IFDRational and ints both convert


def _gps(gps: dict[int, object]) -> tuple[float, float] | None:
    try:
        def deg(dms: object, ref: object) -> float:
            d, m, s = (_ratio(x) for x in dms)  # type: ignore[attr-defined]
            v = d + m / 60.0 + s / 3600.0
            return -v if str(ref).upper() in ("S", "W") else v
        lat = deg(gps[2], gps[1])
        lon = deg(gps[4], gps[3])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lon, lat


def read_exif(image: Image.Image, zone: ZoneInfo) -> tuple[float | None, float | None,
                                                             float | None]:
    """(taken_ts, lon, lat), each None where the photo does not say. A camera's EXIF time has
    no zone: it is read in the city's."""
    exif = image.getexif()
    taken: float | None = None
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(0x0132)
    if isinstance(raw, str):
        try:
            taken = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(
                tzinfo=zone).timestamp()
        except ValueError:
            taken = None
    place = _gps(dict(exif.get_ifd(GPS_IFD)))
    return taken, (place[0] if place else None), (place[1] if place else None)


class PhotoStore:
    def __init__(self, folder: Path, max_bytes: int, max_pixels: int, timezone: str) -> None:
        self.folder = folder
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        self.zone = ZoneInfo(timezone)

    def path(self, sha: str, mime: str, public: bool = True) -> Path:
        if not SHA_RE.match(sha) or mime not in EXT:  # never a path from the request unchecked
            raise ValueError("not a photo id")
        kind = "public" if public else "original"
        return self.folder / kind / sha[:2] / f"{sha}.{EXT[mime]}"

    def check(self, data: bytes) -> tuple[Photo, bytes]:
        """The photo's facts and its public copy (no EXIF); PhotoRefused otherwise.
        CPU-bound: run it in a thread."""
        if len(data) > self.max_bytes:
            raise PhotoRefused(413, f"photo larger than {self.max_bytes} bytes")
        if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
            raise PhotoRefused(415, "a photo must be a JPEG or PNG image")
        Image.MAX_IMAGE_PIXELS = None  # our own limit below, with our own answer
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if width * height > self.max_pixels:
                    raise PhotoRefused(413, f"photo larger than {self.max_pixels} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                taken, lon, lat = read_exif(image, self.zone)
                image.load()
                public = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if fmt == "JPEG":
                    public.convert("RGB").save(out, "JPEG", quality=90)
                else:
                    public.save(out, "PNG")
        except PhotoRefused:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise PhotoRefused(415, f"not a readable JPEG or PNG image ({type(exc).__name__})"
                               ) from None
        if fmt not in MIME:
            raise PhotoRefused(415, "a photo must be a JPEG or PNG image")
        sha = hashlib.sha256(data).hexdigest()
        return Photo(sha, MIME[fmt], len(data), width, height, taken, lon, lat), out.getvalue()

    def save(self, photo: Photo, original: bytes, public: bytes) -> None:
        """Both copies, each written whole (temp file, fsync, rename): a reader never sees half
        a photo, and saving the same photo again changes nothing."""
        for data, is_public in ((original, False), (public, True)):
            path = self.path(photo.sha256, photo.mime, is_public)
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
