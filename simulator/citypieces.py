"""Cutting named street lines into patrol road pieces and tidying the resulting network.

A piece runs from junction to junction (or grid boundary, or dead end) inside one grid, so a
walk from one end to the other is exactly one traversal. Pieces too short to count, pieces that
run so close to another road that walking that road would seem to cover them, and fragments cut
off from the rest of their grid are dropped: an inspector could not patrol them sensibly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, substring

from geofence.model import RoadClass

log = logging.getLogger(__name__)

Key = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Piece:
    name: str
    cls: RoadClass
    grid: int
    line: LineString  # metres


def _key(x: float, y: float) -> Key:
    return (round(x, 1), round(y, 1))


def ends(line: LineString) -> tuple[Key, Key]:
    c = line.coords
    return _key(*c[0]), _key(*c[-1])


def cut_into_grids(named: list[tuple[str, RoadClass, BaseGeometry]],
                   cells: list[BaseGeometry]) -> list[Piece]:
    """Node every line at every crossing and cut it at grid boundaries."""
    geoms = [g for _, _, g in named]
    noded = shapely.get_parts(shapely.union_all(geoms))
    tree = shapely.STRtree(geoms)
    out: list[Piece] = []
    for seg in noded:
        mid = seg.interpolate(0.5, normalized=True)
        src = int(tree.nearest(mid))
        name, cls, _ = named[src]
        for gi, cell in enumerate(cells):
            inside = seg.intersection(cell)
            for part in shapely.get_parts(inside):
                if part.geom_type == "LineString" and part.length > 0.5:
                    out.append(Piece(name, cls, gi, part))
    return out


def merge_chains(pieces: list[Piece]) -> list[Piece]:
    """Join pieces of one grid that meet at a node no third piece of that grid touches."""
    changed = True
    while changed:
        changed = False
        touch: dict[tuple[int, Key], list[int]] = defaultdict(list)
        for i, p in enumerate(pieces):
            a, b = ends(p.line)
            touch[(p.grid, a)].append(i)
            if b != a:
                touch[(p.grid, b)].append(i)
        for members in touch.values():
            if len(members) == 2 and members[0] != members[1]:
                i, j = members
                merged = linemerge([pieces[i].line, pieces[j].line])
                if merged.geom_type != "LineString":
                    continue
                keep = pieces[i] if pieces[i].line.length >= pieces[j].line.length else pieces[j]
                cls: RoadClass = "main" if "main" in (pieces[i].cls, pieces[j].cls) else keep.cls
                new = replace(keep, cls=cls, line=merged)
                pieces = [p for k, p in enumerate(pieces) if k not in (i, j)] + [new]
                changed = True
                break
    return pieces


def largest_components(pieces: list[Piece]) -> list[Piece]:
    """Per grid, keep the connected part of the network with the most road length."""
    parent: dict[tuple[int, Key], tuple[int, Key]] = {}

    def find(x: tuple[int, Key]) -> tuple[int, Key]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pieces:
        a, b = ends(p.line)
        ra, rb = find((p.grid, a)), find((p.grid, b))
        if ra != rb:
            parent[ra] = rb
    length: dict[tuple[int, Key], float] = defaultdict(float)
    for p in pieces:
        length[find((p.grid, ends(p.line)[0]))] += p.line.length
    best: dict[int, tuple[int, Key]] = {}
    for root, total in length.items():
        g = root[0]
        if g not in best or total > length[best[g]]:
            best[g] = root
    return [p for p in pieces if find((p.grid, ends(p.line)[0])) == best[p.grid]]


def shadowed(pieces: list[Piece], near_m: float, max_share: float) -> int | None:
    """Index of the piece most covered by the neighbourhood of other pieces, if over the limit."""
    lines = [p.line for p in pieces]
    tree = shapely.STRtree(lines)
    worst, worst_share = None, max_share
    for i, line in enumerate(lines):
        others = [j for j in tree.query(line, predicate="dwithin", distance=near_m) if j != i]
        if not others:
            continue
        zone = shapely.union_all([lines[j].buffer(near_m, quad_segs=4) for j in others])
        share = line.intersection(zone).length / line.length
        if share > worst_share:
            worst, worst_share = i, share
    return worst


def tidy(pieces: list[Piece], min_len: float, near_m: float, max_share: float) -> list[Piece]:
    while True:
        pieces = largest_components(merge_chains(pieces))
        short = [i for i, p in enumerate(pieces) if p.line.length < min_len]
        if short:
            drop = min(short, key=lambda i: pieces[i].line.length)
        else:
            found = shadowed(pieces, near_m, max_share)
            if found is None:
                return pieces
            drop = found
        log.debug("dropping %s piece of %.0f m", pieces[drop].name, pieces[drop].line.length)
        pieces = pieces[:drop] + pieces[drop + 1:]


def split_long(pieces: list[Piece], max_len: float) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        n = int(np.ceil(p.line.length / max_len))
        if n <= 1:
            out.append(p)
            continue
        step = p.line.length / n
        for k in range(n):
            part = substring(p.line, k * step, (k + 1) * step)
            out.append(replace(p, line=LineString(part.coords)))
    return out
