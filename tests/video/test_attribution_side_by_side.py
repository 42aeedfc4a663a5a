"""Naming the dropper inside a blob that holds two vehicles side by side (side_by_side.py)."""

import numpy as np

from video.detectors.base import Box
from video.detectors.side_by_side import own_part

ROWS, COLS = 80, 60


def two_lanes(gap_fill: float) -> np.ndarray:
    """A truck in rows 10-35 and a car in rows 45-70, moving along x, one blob: the rows
    between the lanes hold `gap_fill` of a full row (a shadow, blur, headlight spill)."""
    mask = np.zeros((ROWS, COLS), bool)
    mask[10:35, :] = True
    mask[45:70, 5:55] = True
    mask[35:45, : round(gap_fill * COLS)] = True
    return mask


def test_material_under_the_truck_names_the_truck_s_lane_across_a_partly_filled_gap() -> None:
    """The gap between lanes is seldom empty in a motion mask: a third of a row filled by the
    vehicles' shadows still parts them, and the truck's band is named, not the pair."""
    mask = two_lanes(gap_fill=0.3)
    blob = Box(0, 10, COLS, 60)
    named = own_part(mask, blob, Box(20, 20, 10, 6), horizontal=True, scale=1.0)
    assert (named.y, named.y + named.h) == (10, 35)
    assert (named.x, named.w) == (0, COLS)


def test_material_between_the_bands_keeps_the_blob() -> None:
    mask = two_lanes(gap_fill=0.3)
    blob = Box(0, 10, COLS, 60)
    assert own_part(mask, blob, Box(20, 38, 10, 4), horizontal=True, scale=1.0) == blob


def test_one_solid_vehicle_is_not_cut() -> None:
    """A body whose middle rows are only somewhat thinner (a cab and a bed) stays one box."""
    mask = np.zeros((ROWS, COLS), bool)
    mask[10:35, :] = True
    mask[35:45, : round(0.6 * COLS)] = True
    mask[45:70, :] = True
    blob = Box(0, 10, COLS, 60)
    assert own_part(mask, blob, Box(20, 20, 10, 6), horizontal=True, scale=1.0) == blob
