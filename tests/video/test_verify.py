"""The full-resolution check: a shadow or light change is the old road; material is not."""

import cv2
import numpy as np

from video.detectors.spread import Spread
from video.detectors.verify import same_road
from video.frames import encode_jpeg


def road(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grey = np.clip(100 + rng.normal(0, 6, (240, 320)), 0, 255)
    return np.repeat(grey[..., None], 3, axis=2).astype(np.uint8)


BOX = [120, 100, 60, 40]
REGION = np.ones((20, 30), bool)  # the analysis region (half size)


def test_soft_shadow_is_the_same_road() -> None:
    clean = road()
    ring = np.zeros(clean.shape[:2], np.float32)
    cv2.ellipse(ring, (150, 120), (40, 25), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(ring, (0, 0), 4.0)
    shaded = (clean * (1.0 - 0.4 * mask[..., None])).astype(np.uint8)
    assert same_road(encode_jpeg(shaded), encode_jpeg(clean), BOX, REGION)


def test_light_change_and_shake_are_the_same_road() -> None:
    clean = road()
    now = cv2.convertScaleAbs(np.roll(clean, (2, -1), axis=(0, 1)), alpha=1.3)
    assert same_road(encode_jpeg(now), encode_jpeg(clean), BOX, REGION)


def test_grey_gravel_is_material() -> None:
    clean = road()
    now = clean.copy()
    rng = np.random.default_rng(3)
    stones = rng.uniform(-60, 60, (14, 20)).astype(np.float32)
    patch = cv2.resize(stones, (60, 42), interpolation=cv2.INTER_NEAREST)
    now[100:142, 120:180] = np.clip(130 + patch[..., None], 0, 255).astype(np.uint8)
    assert not same_road(encode_jpeg(now), encode_jpeg(clean), BOX, REGION)


def test_flicker_raises_the_tolerance_only_where_it_flickers() -> None:
    base = road()[..., 0]
    base[:, 100:102] = 230  # a lane line
    spread = Spread(base, 1.5, 72)
    learn = np.full(base.shape, 255, np.uint8)
    rng = np.random.default_rng(0)
    for _ in range(30):
        shift = int(rng.integers(-1, 2))
        spread.update(np.roll(base, shift, axis=1), learn, 0.15)
    tol = spread.tolerance(18)
    assert tol[:, 100].mean() > 40  # the line's edge under shake
    assert tol[:, 20:80].mean() < 30  # the flat road stays sensitive
