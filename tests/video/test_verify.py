"""The full-resolution check: a shadow or light change is the old road; material is not."""

import cv2
import numpy as np

from video.detectors import chroma
from video.detectors.spread import ChromaSpread, Spread
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


def tinted_road(tint: tuple[int, int, int]) -> np.ndarray:
    """A slightly coloured asphalt (BGR tint), as cameras see it."""
    return np.clip(road().astype(np.int16) + np.array(tint, np.int16), 0, 255).astype(np.uint8)


def test_isoluminant_colour_is_material_in_full_resolution() -> None:
    """An orange-brown flat lump within 2 grey levels of the road: no texture or brightness
    residual, only colour, and a colour change is never a shadow."""
    clean = tinted_road((2, 0, -2))
    now = clean.copy()
    now[100:142, 120:180] = (80, 102, 120)  # BGR: grey level ~102, the road's is ~100
    assert not same_road(encode_jpeg(now), encode_jpeg(clean), BOX, REGION)


def test_a_shadow_on_coloured_road_keeps_its_chroma() -> None:
    """Horprasert: a shadow scales the colour vector; once the brightness ratio is divided
    out the chroma is the road's (a yellow-tinted road under a deep shadow)."""
    clean = tinted_road((-12, 4, 8))
    shaded = (clean.astype(np.float32) * 0.55).astype(np.uint8)
    y, cr, cb = cv2.split(cv2.cvtColor(shaded, cv2.COLOR_BGR2YCrCb))
    y0, cr0, cb0 = cv2.split(cv2.cvtColor(clean, cv2.COLOR_BGR2YCrCb))
    region = np.ones(y.shape, bool)
    ratio = chroma.brightness_ratio(y, y0.astype(np.float32), 1.0)
    kept = chroma.region_shift(cr.astype(np.float32) - 128, cb.astype(np.float32) - 128,
                               cr0.astype(np.float32) - 128, cb0.astype(np.float32) - 128,
                               ratio, region)
    assert kept < 2.5  # rounding only; a material needs 9 (SpillConfig.chroma_material)
    now = clean.copy()
    now[..., 2] = np.clip(now[..., 2].astype(np.int16) + 20, 0, 255)  # redder: material
    y1, cr1, cb1 = cv2.split(cv2.cvtColor(now, cv2.COLOR_BGR2YCrCb))
    moved = chroma.region_shift(cr1.astype(np.float32) - 128, cb1.astype(np.float32) - 128,
                                cr0.astype(np.float32) - 128, cb0.astype(np.float32) - 128,
                                chroma.brightness_ratio(y1, y0.astype(np.float32), 1.0), region)
    assert moved > 9.0


def test_chroma_flicker_is_learnt_per_pixel() -> None:
    """Low light: a pixel whose colour is noisy gets a wider chroma band than a quiet one."""
    rng = np.random.default_rng(0)
    quiet = np.zeros((10, 20), np.float32)
    spread = chroma_spread(quiet)
    learn = np.full(quiet.shape, 255, np.uint8)
    for _ in range(40):
        cr = quiet.copy()
        cr[:, 10:] += rng.normal(0, 4, (10, 10)).astype(np.float32)  # the noisy half
        spread.update(cr, quiet, learn, 0.15)
    tol = spread.tolerance(4.0)
    assert tol[:, :10].mean() < 5.0 < 9.0 < tol[:, 10:].mean()


def chroma_spread(like: np.ndarray) -> ChromaSpread:
    return ChromaSpread(like, like, 2.0, 16.0)
