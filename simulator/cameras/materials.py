"""What trucks drop (soil, clay, sand, gravel, debris, muddy water, concrete slurry) and the road.

A material's colour is not picked to flatter a detector: its brightness gap to the road and
its colour difference (CIE76 ΔE in Lab) are drawn first and the colour is solved for them, so
a scene can hold a lump within a few grey levels of the road that only its colour gives away.
Both figures are measured on the colours actually drawn and go into the scene's truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]
MATERIALS = ("soil", "clay", "sand", "gravel", "debris", "muddy_water", "slurry")
# Hue angle in Lab (degrees from +a towards +b) and the share of the chroma that varies.
_HUE = {"soil": 65.0, "clay": 50.0, "sand": 80.0, "gravel": 95.0, "debris": 70.0,
        "muddy_water": 75.0, "slurry": 250.0}
WET = frozenset({"muddy_water"})  # a film on the road: the road's grain shows through
ALWAYS_FLAT = frozenset({"slurry", "muddy_water"})
ALWAYS_TEXTURED = frozenset({"gravel", "debris"})
LUMA = np.array([0.114, 0.587, 0.299])  # BGR weights of the grey level


@dataclass(frozen=True)
class MaterialLook:
    colour: tuple[int, int, int]  # BGR base colour
    gap: float  # grey levels between the material's base colour and the road's
    delta_e: float  # CIE76 colour difference to the road
    textured: bool


def road_texture(rng: np.random.Generator, h: int, w: int, level: float, grain: float,
                 tint: npt.NDArray[np.float64] | None = None) -> Image:
    """Asphalt: a grey level, fine grain and a few large blotches (repairs, stains)."""
    noise = rng.normal(0.0, grain, (h, w)).astype(np.float32)
    blotch = cv2.resize(rng.normal(0.0, grain * 0.8, (max(2, h // 40), max(2, w // 40))),
                        (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    gray = np.clip(level + noise + blotch, 0, 255)
    tint = rng.uniform(-4, 4, 3) if tint is None else tint
    out: Image = np.clip(gray[..., None] + tint[None, None, :], 0, 255).astype(np.uint8)
    return out


def _lab(bgr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    px = (np.asarray(bgr, np.float32).reshape(1, 1, 3) / 255.0).astype(np.float32)
    return cv2.cvtColor(px, cv2.COLOR_BGR2Lab).reshape(3).astype(np.float64)


def _bgr(lab: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    px = np.asarray(lab, np.float32).reshape(1, 1, 3)
    out = cv2.cvtColor(px, cv2.COLOR_Lab2BGR).reshape(3).astype(np.float64) * 255.0
    return np.asarray(np.clip(np.round(out), 0, 255))


def measure(colour: tuple[int, ...] | npt.NDArray[np.float64],
            road: npt.NDArray[np.float64]) -> tuple[float, float]:
    """(brightness gap in grey levels, ΔE) between two BGR colours."""
    c = np.asarray(colour, np.float64)
    gap = abs(float(c @ LUMA) - float(road @ LUMA))
    return gap, float(np.linalg.norm(_lab(c) - _lab(road)))


def material_look(kind: str, road: npt.NDArray[np.float64], rng: np.random.Generator,
                  low_contrast: bool) -> MaterialLook:
    """A colour for `kind` on a road of BGR colour `road`: low contrast means a brightness gap
    of 0-15 grey levels and ΔE 10-30; otherwise a gap of 15-70 levels."""
    if low_contrast:
        gap, target = float(rng.uniform(0.0, 15.0)), float(rng.uniform(10.0, 30.0))
    else:
        gap, target = float(rng.uniform(15.0, 70.0)), float(rng.uniform(10.0, 40.0))
    road_y = float(road @ LUMA)
    sign = 1.0 if rng.random() < 0.5 else -1.0
    if not 5.0 <= road_y + sign * gap <= 250.0:
        sign = -sign
    want_y = road_y + sign * gap
    hue = np.radians(_HUE[kind] + rng.uniform(-15, 15))
    base = _lab(road)
    lab = base.copy()
    chroma = 0.5 * target
    colour = _bgr(lab)
    for _ in range(12):  # solve L for the grey level and the chroma for ΔE, alternately
        lab[1] = base[1] + chroma * np.cos(hue)
        lab[2] = base[2] + chroma * np.sin(hue)
        for _ in range(4):
            colour = _bgr(lab)
            lab[0] = float(np.clip(lab[0] + (want_y - float(colour @ LUMA)) * 0.4, 0, 100))
        colour = _bgr(lab)
        de = float(np.linalg.norm(_lab(colour) - base))
        if abs(de - target) < 0.5:
            break
        chroma = max(0.0, chroma + (target - de) * 0.8)
    textured = kind in ALWAYS_TEXTURED or (kind not in ALWAYS_FLAT and rng.random() < 0.5)
    gap_m, de_m = measure(colour, road)
    b, g, r = (int(v) for v in colour)
    return MaterialLook((b, g, r), gap_m, de_m, textured)


def paint_lump(img: Image, cx: int, cy: int, radius: int, kind: str, colour: tuple[int, ...],
               textured: bool, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """An irregular lump (or a wet patch); returns its box [x, y, w, h]."""
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
    region = img[y0:y1, x0:x1]
    if kind in WET:  # the road darkened and tinted, its grain kept
        road = region.astype(np.float32)
        shift = np.array(colour, np.float32) - road[mask > 0].mean(axis=0)
        patch = np.clip(road + shift, 0, 255).astype(np.uint8)
    else:
        patch = _texture(kind, colour, mask.shape, textured, rng)
    region[mask > 0] = patch[mask > 0]
    return x0, y0, x1 - x0, y1 - y0


def paint_particle(img: Image, cx: int, cy: int, size: int, colour: tuple[int, ...],
                   rng: np.random.Generator) -> None:
    jitter = rng.integers(-8, 9, 3)
    c = tuple(int(v) for v in np.clip(np.array(colour) + jitter, 0, 255))
    cv2.circle(img, (cx, cy), max(1, size // 2), c, -1, lineType=cv2.LINE_AA)


def _texture(kind: str, colour: tuple[int, ...], shape: tuple[int, int], textured: bool,
             rng: np.random.Generator) -> Image:
    h, w = shape
    base = np.array(colour, np.float32)[None, None, :]
    var: Image
    if not textured:  # smooth: a faint grain only
        var = rng.normal(0, 2, (h, w, 1)).astype(np.float32)
    elif kind == "gravel":  # speckle of stones a few pixels across
        cells = rng.uniform(-30, 30, (max(1, h // 3), max(1, w // 3), 1)).astype(np.float32)
        var = cv2.resize(cells, (w, h), interpolation=cv2.INTER_NEAREST)[..., None]
    elif kind == "sand":  # fine, light grain
        var = rng.normal(0, 8, (h, w, 1)).astype(np.float32)
    elif kind == "debris":  # bits of different colours
        cells = rng.uniform(-30, 30, (max(1, h // 5), max(1, w // 5), 3)).astype(np.float32)
        var = cv2.resize(cells, (w, h), interpolation=cv2.INTER_NEAREST)
    else:  # soil, clay: clods, blotchy light and shade
        cells = rng.normal(0, 12, (max(1, h // 6), max(1, w // 6))).astype(np.float32)
        var = cv2.resize(cells, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    out: Image = np.clip(base + var, 0, 255).astype(np.uint8)
    return out
