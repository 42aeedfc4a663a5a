"""JPEG checks and decoding straight to the reduced colour image the detectors analyse.

libjpeg can scale by 1/2, 1/4 or 1/8 while it decodes (its IDCT skips the high frequencies),
which is 2-3x faster than decoding in full and resizing, so pushed JPEGs are never decoded in
full for analysis; full frames are decoded only when evidence is written.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[Any]  # uint8; OpenCV's stubs cannot say so

_REDUCED = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
            4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}
_REDUCED_COLOUR = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2,
                   4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
# SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}
MAX_SIDE = 16384


def jpeg_size(data: bytes | memoryview) -> tuple[int, int]:
    """(width, height) from the header; ValueError naming what is wrong with the bytes.

    Cheap (it reads only the marker segments before the scan), so the HTTP handler can refuse a
    truncated or foreign body at once instead of a worker finding out later.
    """
    buf = memoryview(data)
    n = len(buf)
    if n == 0:
        raise ValueError("empty body: expected a JPEG image")
    if n < 4 or buf[0] != 0xFF or buf[1] != 0xD8:
        raise ValueError("not a JPEG image (no SOI marker)")
    tail = bytes(buf[max(0, n - 1024):])
    if b"\xff\xd9" not in tail:
        raise ValueError("truncated JPEG image (no EOI marker at the end)")
    i = 2
    while i + 4 <= n:
        if buf[i] != 0xFF:
            raise ValueError(f"corrupt JPEG image (bad marker at byte {i})")
        marker = buf[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        length = (buf[i + 2] << 8) | buf[i + 3]
        if length < 2 or i + 2 + length > n:
            raise ValueError(f"corrupt JPEG image (segment at byte {i} runs past the end)")
        if marker in _SOF:
            if length < 7:
                raise ValueError("corrupt JPEG image (short frame header)")
            height = (buf[i + 5] << 8) | buf[i + 6]
            width = (buf[i + 7] << 8) | buf[i + 8]
            if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                raise ValueError(f"JPEG image size {width}x{height} out of range")
            return width, height
        if marker == 0xDA:
            break
        i += 2 + length
    raise ValueError("corrupt JPEG image (no frame header before the scan)")


def reduction(width: int, target_width: int) -> int:
    """Largest libjpeg scale (1, 2, 4, 8) that still leaves at least target_width pixels."""
    factor = 1
    while factor < 8 and width // (factor * 2) >= target_width:
        factor *= 2
    return factor


def decode_reduced(data: bytes | memoryview, factor: int, colour: bool = False) -> Gray:
    """Grey (or BGR) image at 1/factor of the full size; ValueError if libjpeg cannot decode
    it. Colour costs about 10 % more than grey at 1/4 (the chroma is already subsampled)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(arr, (_REDUCED_COLOUR if colour else _REDUCED)[factor])
    if img is None or img.size == 0:
        raise ValueError("corrupt JPEG image (decoder failed)")
    return img


def decode_full(data: bytes | memoryview) -> Gray:
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("corrupt JPEG image (decoder failed)")
    return img


def reduce_bgr(frame: Gray, factor: int, colour: bool = False) -> Gray:
    """The analysis image of a decoded colour frame (pulled sources hand us BGR arrays)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 and not colour else frame
    if factor == 1:
        return np.ascontiguousarray(gray)
    h, w = gray.shape[:2]
    size = ((w + factor - 1) // factor, (h + factor - 1) // factor)
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def encode_jpeg(frame: Gray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()
