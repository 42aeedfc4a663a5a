"""Media files of an evidence folder: the MP4 clip and the vehicle crop / overview pictures.

What this OpenCV (opencv-python-headless 5.0) can encode: `mp4v` (MPEG-4 Part 2, ~4 ms a 720p
frame) and `vp09` (VP9 in MP4, which browsers play, but ~300 ms a 720p frame); H.264 (`avc1`)
is not built in. The frames themselves stay as the original JPEGs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from video.frames import decode_full, encode_jpeg

log = logging.getLogger(__name__)
GREEN = (0, 200, 0)
RED = (0, 0, 255)


def write_clip(path: Path, frames: list[tuple[float, bytes]], codec: str) -> bool:
    if len(frames) < 2:
        return False
    duration = frames[-1][0] - frames[0][0]
    fps = float(np.clip((len(frames) - 1) / duration if duration > 0 else 5.0, 1.0, 30.0))
    first = decode_full(frames[0][1])
    h, w = first.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*codec), fps, (w, h))
    if not writer.isOpened():
        log.warning("cannot open an MP4 writer with codec %s; clip skipped", codec)
        return False
    try:
        for _, data in frames:
            try:
                img = decode_full(data)
            except ValueError:
                continue
            if img.shape[:2] != (h, w):
                img = cv2.resize(img, (w, h))
            writer.write(img)
    finally:
        writer.release()
    return path.is_file() and path.stat().st_size > 0


def write_crops(folder: Path, frames: list[tuple[float, bytes]], vehicle_box: list[int] | None,
                vehicle_ts: float | None, material_box: list[int] | None) -> list[str]:
    """vehicle.jpg (the vehicle at the moment it covered the spot) and overview.jpg (the last
    frame, material still lying there, with the material and the vehicle's boxes drawn)."""
    if not frames:
        return []
    written = []
    if vehicle_box is not None and vehicle_ts is not None:
        _, data = min(frames, key=lambda f: abs(f[0] - vehicle_ts))
        img = decode_full(data)
        crop = _crop(img, vehicle_box, 0.15)
        if crop.size:
            (folder / "vehicle.jpg").write_bytes(encode_jpeg(crop, 92))
            written.append("vehicle.jpg")
    img = decode_full(frames[-1][1])
    if material_box is not None:
        x, y, w, h = material_box
        cv2.rectangle(img, (x, y), (x + w, y + h), RED, 2)
    if vehicle_box is not None:
        x, y, w, h = vehicle_box
        cv2.rectangle(img, (x, y), (x + w, y + h), GREEN, 2)
    (folder / "overview.jpg").write_bytes(encode_jpeg(img, 90))
    written.append("overview.jpg")
    return written


def _crop(img: np.ndarray, box: list[int], margin: float) -> np.ndarray:
    x, y, w, h = box
    mx, my = int(w * margin), int(h * margin)
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(img.shape[1], x + w + mx), min(img.shape[0], y + h + my)
    return img[y0:y1, x0:x1]
