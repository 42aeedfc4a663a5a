import contextlib

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from video.frames import decode_reduced, jpeg_size, reduce_bgr, reduction


def jpeg(w: int = 1280, h: int = 720) -> bytes:
    img = np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", img)[1].tobytes()


def test_size_read_from_header() -> None:
    assert jpeg_size(jpeg(640, 360)) == (640, 360)


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "empty body"),
    (b"GIF89a" + b"\0" * 100, "not a JPEG"),
    (jpeg()[:5000], "truncated"),
    (b"\xff\xd8\xff\xe0\xff\xff" + b"\0" * 40 + b"\xff\xd9", "corrupt"),
])
def test_bad_bodies_are_named(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        jpeg_size(body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        jpeg_size(data)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 40000))
def test_any_truncation_is_refused_or_decodes(cut: int) -> None:
    data = jpeg(320, 180)
    body = data[:cut]
    try:
        jpeg_size(body)
        decode_reduced(body, 1)
        decode_reduced(body, 2, colour=True)  # what the analysis decodes
    except ValueError:
        pass


def test_reduced_decode_is_a_quarter() -> None:
    factor = reduction(1280, 320)
    assert factor == 4
    assert decode_reduced(jpeg(), factor).shape == (180, 320)
    assert decode_reduced(jpeg(), factor, colour=True).shape == (180, 320, 3)
    assert reduction(768, 320) == 2
    assert reduction(320, 320) == 1


def test_reduce_bgr_matches_size() -> None:
    frame = np.zeros((432, 768, 3), np.uint8)
    assert reduce_bgr(frame, 2).shape == (216, 384)
