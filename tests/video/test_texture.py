"""The grain test at full resolution (video/detectors/texture.py, verify.py): a shadow keeps
the road's grain, flat material hides it, grit brings a stronger one."""

import numpy as np

from video.detectors.verify import grain_changed, same_road
from video.frames import encode_jpeg

BOX = [120, 80, 60, 40]  # full-frame pixels; the region below is the box at a quarter size


def road(rng: np.random.Generator) -> np.ndarray:
    grey = 110.0 + rng.normal(0.0, 7.0, (240, 320))
    return np.clip(grey, 0, 255).astype(np.uint8)[..., None].repeat(3, axis=2)


def region() -> np.ndarray:
    return np.ones((BOX[3] // 4, BOX[2] // 4), bool)


def patch(frame: np.ndarray, values: np.ndarray) -> bytes:
    x, y, w, h = BOX
    out = frame.copy()
    out[y:y + h, x:x + w] = np.clip(values, 0, 255).astype(np.uint8)[..., None]
    return encode_jpeg(out, 90)


def test_flat_material_of_the_roads_brightness_hides_the_grain() -> None:
    rng = np.random.default_rng(1)
    clean = road(rng)
    w, h = BOX[2], BOX[3]
    flat = patch(clean, 112.0 + rng.normal(0.0, 1.0, (h, w)))
    assert grain_changed([flat, flat, flat], encode_jpeg(clean, 90), BOX, region())
    assert not same_road(flat, encode_jpeg(clean, 90), BOX, region())


def test_grit_brings_a_stronger_grain() -> None:
    rng = np.random.default_rng(2)
    clean = road(rng)
    w, h = BOX[2], BOX[3]
    stones = np.kron(rng.uniform(70, 150, (h // 2, w // 2)), np.ones((2, 2)))
    now = patch(clean, stones)
    assert grain_changed([now, now, now], encode_jpeg(clean, 90), BOX, region())


def test_a_shadow_keeps_the_grain() -> None:
    rng = np.random.default_rng(3)
    clean = road(rng)
    x, y, w, h = BOX
    shade = clean.copy()
    shade[y - 20:y + h + 20, x - 20:x + w + 20] = (
        shade[y - 20:y + h + 20, x - 20:x + w + 20] * 0.55).astype(np.uint8)
    now = encode_jpeg(shade, 90)
    assert not grain_changed([now, now, now], encode_jpeg(clean, 90), BOX, region())
    assert same_road(now, encode_jpeg(clean, 90), BOX, region())


def test_grain_must_be_gone_on_every_frame() -> None:
    rng = np.random.default_rng(4)
    clean = road(rng)
    w, h = BOX[2], BOX[3]
    flat = patch(clean, 112.0 + rng.normal(0.0, 1.0, (h, w)))
    same = encode_jpeg(clean, 90)
    assert not grain_changed([flat, same, flat], same, BOX, region())
