"""Pictures of an evidence folder: the vehicle crop and the overview (the clip: video/clips.py).

A frame the JPEG decoder refuses (a camera can send one that passes the header check) is never
a reason to lose the folder: the nearest decodable frame is used instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from video.frames import Gray, decode_full, encode_jpeg

log = logging.getLogger(__name__)
GREEN = (0, 200, 0)
RED = (0, 0, 255)


def write_crops(folder: Path, frames: list[tuple[float, bytes]], vehicle_box: list[int] | None,
                vehicle_ts: float | None, material_box: list[int] | None) -> list[str]:
    """vehicle.jpg (the vehicle at the moment it covered the spot) and overview.jpg (the last
    frame, material still lying there, with the material and the vehicle's boxes drawn)."""
    written = []
    if vehicle_box is not None and vehicle_ts is not None:
        img = _nearest(frames, vehicle_ts)
        crop = _crop(img, vehicle_box, 0.15) if img is not None else None
        if crop is not None and crop.size:
            (folder / "vehicle.jpg").write_bytes(encode_jpeg(crop, 92))
            written.append("vehicle.jpg")
    img = _nearest(frames, frames[-1][0]) if frames else None
    if img is None:
        return written
    if material_box is not None:
        x, y, w, h = material_box
        cv2.rectangle(img, (x, y), (x + w, y + h), RED, 2)
    if vehicle_box is not None:
        x, y, w, h = vehicle_box
        cv2.rectangle(img, (x, y), (x + w, y + h), GREEN, 2)
    (folder / "overview.jpg").write_bytes(encode_jpeg(img, 90))
    written.append("overview.jpg")
    return written


def _nearest(frames: list[tuple[float, bytes]], ts: float) -> Gray | None:
    """The decoded frame nearest in time to ts among those the decoder accepts."""
    for _, data in sorted(frames, key=lambda f: abs(f[0] - ts)):
        try:
            return decode_full(data)
        except ValueError:
            continue
    return None


def _crop(img: np.ndarray, box: list[int], margin: float) -> np.ndarray:
    x, y, w, h = box
    mx, my = int(w * margin), int(h * margin)
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(img.shape[1], x + w + mx), min(img.shape[0], y + h + my)
    return img[y0:y1, x0:x1]
