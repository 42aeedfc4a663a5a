"""Textures of what trucks drop (soil, gravel, sand, debris) and of the road itself."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]
MATERIALS = ("soil", "gravel", "sand", "debris")
_BASE = {  # BGR
    "soil": (45, 75, 115), "gravel": (150, 150, 145), "sand": (120, 185, 215),
    "debris": (90, 110, 130),
}


def road_texture(rng: np.random.Generator, h: int, w: int, level: float,
                 grain: float) -> Image:
    """Asphalt: a grey level, fine grain and a few large blotches (repairs, stains)."""
    noise = rng.normal(0.0, grain, (h, w)).astype(np.float32)
    blotch = cv2.resize(rng.normal(0.0, grain * 0.8, (max(2, h // 40), max(2, w // 40))),
                        (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    gray = np.clip(level + noise + blotch, 0, 255)
    tint = rng.uniform(-4, 4, 3)
    out: Image = np.clip(gray[..., None] + tint[None, None, :], 0, 255).astype(np.uint8)
    return out


def material_colour(kind: str, road_level: float, rng: np.random.Generator) -> tuple[int, ...]:
    """The material's base colour, kept visibly apart from the road (a spill nobody could see
    on a frame is not one a camera can be asked to find)."""
    b, g, r = (np.array(_BASE[kind], float) * rng.uniform(0.8, 1.2)).clip(0, 255)
    grey = 0.114 * b + 0.587 * g + 0.299 * r
    if abs(grey - road_level) < 45:
        shift = 50 if grey >= road_level else -50
        if not 0 <= grey + shift <= 255:
            shift = -shift
        b, g, r = (np.array([b, g, r]) + shift + (grey - road_level) * 0).clip(0, 255)
    return int(b), int(g), int(r)


def paint_lump(img: Image, cx: int, cy: int, radius: int, kind: str, colour: tuple[int, ...],
               rng: np.random.Generator) -> tuple[int, int, int, int]:
    """An irregular lump with its own texture; returns its box [x, y, w, h]."""
    n = 9
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = radius * rng.uniform(0.6, 1.0, n)
    pts = np.stack([cx + rad * np.cos(ang), cy + 0.7 * rad * np.sin(ang)], 1).astype(np.int32)
    x, y, w, h = cv2.boundingRect(pts)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(img.shape[1], x + w), min(img.shape[0], y + h)
    if x1 <= x0 or y1 <= y0:
        return x0, y0, 0, 0
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [pts - [x0, y0]], 255)
    patch = _texture(kind, colour, mask.shape, rng)
    region = img[y0:y1, x0:x1]
    region[mask > 0] = patch[mask > 0]
    return x0, y0, x1 - x0, y1 - y0


def paint_particle(img: Image, cx: int, cy: int, size: int, colour: tuple[int, ...],
                   rng: np.random.Generator) -> None:
    jitter = rng.integers(-25, 26, 3)
    c = tuple(int(v) for v in np.clip(np.array(colour) + jitter, 0, 255))
    cv2.circle(img, (cx, cy), max(1, size // 2), c, -1, lineType=cv2.LINE_AA)


def _texture(kind: str, colour: tuple[int, ...], shape: tuple[int, int],
             rng: np.random.Generator) -> Image:
    h, w = shape
    base = np.array(colour, np.float32)[None, None, :]
    if kind == "gravel":  # speckle of stones a few pixels across
        cells = rng.uniform(-60, 60, (max(1, h // 3), max(1, w // 3), 1)).astype(np.float32)
        var = cv2.resize(cells, (w, h), interpolation=cv2.INTER_NEAREST)[..., None]
    elif kind == "sand":  # fine, light grain
        var = rng.normal(0, 10, (h, w, 1)).astype(np.float32)
    elif kind == "soil":  # clods: blotchy light and shade
        cells = rng.normal(0, 25, (max(1, h // 6), max(1, w // 6))).astype(np.float32)
        var = cv2.resize(cells, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    else:  # debris: bits of different colours
        cells = rng.uniform(-70, 70, (max(1, h // 5), max(1, w // 5), 3)).astype(np.float32)
        var = cv2.resize(cells, (w, h), interpolation=cv2.INTER_NEAREST)
    out: Image = np.clip(base + var, 0, 255).astype(np.uint8)
    return out
