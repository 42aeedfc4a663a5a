"""Seeded generator of a county-town demo city (docs/contract.md §1).

    python -m simulator.citygen --seed 9 --out cities/demo

The town is about 5 km x 5 km around (--lon, --lat), with 8 responsibility grids of 6-9 km of
patrolled road each, two inspectors per grid and four push cameras. The same seed always gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import logging
from collections import defaultdict
from pathlib import Path

import numpy as np
import numpy.typing as npt
from shapely.geometry import Polygon

from geofence.model import Camera, City, CitySettings, Grid, Road
from simulator.citygrids import CellPlanner, grid_names, reading_order
from simulator.citylayout import generate_layout
from simulator.citypieces import Piece, cut_into_grids, node_lines, split_long, tidy
from simulator.geo import LocalProjection

log = logging.getLogger(__name__)

GRIDS = 8
MIN_PIECE_M = 150.0
MIN_STUB_M = 300.0  # a dead end is walked in and back: short ones are borderline passes
MAX_PIECE_M = 1500.0
GRID_ROAD_M = (6000.0, 9000.0)  # two inspectors can give every road its passes in a day
SHADOW_M = 35.0  # walking a road must not seem to cover much of another one
SHADOW_SHARE = 0.6
DECIMALS = 7

FloatArray = npt.NDArray[np.float64]


def _grid_lengths(pieces: list[Piece]) -> FloatArray:
    totals = np.zeros(GRIDS)
    for p in pieces:
        totals[p.grid] += p.line.length
    return totals


def _balance_error(pieces: list[Piece]) -> float:
    totals = _grid_lengths(pieces)
    lo, hi = GRID_ROAD_M
    return float(np.clip(lo - totals, 0.0, None).sum() + np.clip(totals - hi, 0.0, None).sum())


def plan_town(seed: int, attempts: int = 6, rounds: int = 6
              ) -> tuple[list[Polygon], list[Piece]]:
    """Grid cells and road pieces in metres, grids in reading order.

    Tidying drops pieces unevenly, so cell weights are corrected with the road length each grid
    really keeps; a fresh set of centres is tried when that does not converge.
    """
    rng = np.random.default_rng(seed)
    layout = generate_layout(rng)
    named = [(ln.name, ln.cls, ln.geometry) for ln in layout.lines]
    noded = node_lines(named)
    best: tuple[float, list[Polygon], list[Piece]] | None = None
    for attempt in range(attempts):
        planner = CellPlanner([g for _, _, g in named], layout.outline, GRIDS,
                              np.random.default_rng([seed, attempt]))
        weights = planner.balance()
        for _ in range(rounds):
            cells = planner.cells(weights)
            pieces = tidy(cut_into_grids(noded, cells), MIN_PIECE_M, MIN_STUB_M, SHADOW_M,
                          SHADOW_SHARE)
            err = _balance_error(pieces)
            if best is None or err < best[0]:
                best = (err, cells, pieces)
            if err == 0.0:
                break
            totals = _grid_lengths(pieces)
            share = totals / np.clip(totals.mean(), GRID_ROAD_M[0] + 500, GRID_ROAD_M[1] - 500)
            weights = weights - 0.5 * planner.scale * (share - 1.0)
        if best is not None and best[0] == 0.0:
            break
    if best is None:
        raise ValueError("attempts and rounds must be at least 1")
    if best[0] > 0.0:
        log.warning("seed %s: no grid layout met the road-length range (error %.0f m)",
                    seed, best[0])
    _, cells, pieces = best
    order = reading_order(cells)
    new_index = {old: new for new, old in enumerate(order)}
    pieces = [Piece.of(p.name, p.cls, new_index[p.grid], p.line) for p in pieces]
    return [cells[i] for i in order], split_long(pieces, MAX_PIECE_M)


def _road_records(pieces: list[Piece]) -> list[tuple[str, str, Piece]]:
    """(id, name, piece) with ids g<grid>-m01.. / -s01.. and names numbered along each street."""
    order = sorted(pieces, key=lambda p: (p.grid, p.cls != "main", -p.line.centroid.y,
                                          p.line.centroid.x))
    serial: dict[tuple[int, str], int] = defaultdict(int)
    by_name: dict[str, list[Piece]] = defaultdict(list)
    for p in pieces:
        by_name[p.name].append(p)
    label: dict[int, str] = {}
    for name, group in by_name.items():
        group.sort(key=lambda p: (p.line.centroid.x + p.line.centroid.y))
        for k, p in enumerate(group, start=1):
            label[id(p)] = f"{name}({k})"
    out = []
    for p in order:
        serial[(p.grid, p.cls)] += 1
        rid = f"g{p.grid + 1}-{'m' if p.cls == 'main' else 's'}{serial[(p.grid, p.cls)]:02d}"
        out.append((rid, label[id(p)], p))
    return out


def generate_city(seed: int, lon: float = 116.9, lat: float = 36.6) -> City:
    cells, pieces = plan_town(seed)
    proj = LocalProjection(lon, lat)
    names = grid_names(cells)
    grids = tuple(
        Grid(id=f"g{i + 1}", name=names[i], inspectors=(f"p-g{i + 1}-a", f"p-g{i + 1}-b"),
             geometry=proj.geom_to_lonlat(cell, DECIMALS))
        for i, cell in enumerate(cells))
    settings = CitySettings()
    roads = tuple(
        Road(id=rid, name=name, cls=p.cls, required=settings.required_passes[p.cls],
             grid=f"g{p.grid + 1}", geometry=proj.geom_to_lonlat(p.line, DECIMALS),
             length_m=round(p.line.length, 1))
        for rid, name, p in _road_records(pieces))
    return City(name="demo", roads=roads, grids=grids, cameras=_cameras(roads, seed),
                settings=settings)


def _cameras(roads: tuple[Road, ...], seed: int) -> tuple[Camera, ...]:
    rng = np.random.default_rng([seed, 99])
    mains = [r for r in roads if r.cls == "main" and r.length_m > 300.0]
    chosen: list[Road] = []
    for r in (mains[i] for i in rng.permutation(len(mains))):
        if all(c.grid != r.grid for c in chosen):
            chosen.append(r)
        if len(chosen) == 4:
            break
    cams = []
    for i, r in enumerate(chosen, start=1):
        top = float(rng.uniform(260, 340))
        roi = ((float(rng.uniform(380, 460)), top), (float(rng.uniform(820, 900)), top),
               (1240.0, 710.0), (40.0, 710.0))
        cams.append(Camera(id=f"cam-{i:02d}", name=f"{r.name}监控{i}号", source="push",
                           road=r.id, roi=roi))
    return tuple(cams)


def main(argv: list[str] | None = None) -> None:
    from simulator.citywrite import write_city

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--lon", type=float, default=116.9)
    ap.add_argument("--lat", type=float, default=36.6)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    city = generate_city(args.seed, args.lon, args.lat)
    write_city(city, args.out, seed=args.seed, lon=args.lon, lat=args.lat)
    log.info("wrote %d roads in %d grids to %s", len(city.roads), len(city.grids), args.out)


if __name__ == "__main__":
    main()
