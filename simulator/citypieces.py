"""Cutting named street lines into patrol road pieces and tidying the resulting network.

A piece runs from junction to junction (or grid boundary, or dead end) inside one grid, so a
walk from one end to the other is exactly one traversal. Pieces too short to count, pieces that
run so close to another road that walking that road would seem to cover them, and fragments cut
off from the rest of their grid are dropped: an inspector could not patrol them sensibly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, substring

from geofence.model import RoadClass

log = logging.getLogger(__name__)

Key = tuple[float, float]


def _key(x: float, y: float) -> Key:
    return (round(x, 1), round(y, 1))


@dataclass(frozen=True, slots=True)
class Piece:
    name: str
    cls: RoadClass
    grid: int
    line: LineString  # metres
    a: Key  # end nodes, rounded so that pieces cut apart meet again
    b: Key

    @staticmethod
    def of(name: str, cls: RoadClass, grid: int, line: LineString) -> Piece:
        xy = shapely.get_coordinates(line)
        return Piece(name, cls, grid, line, _key(*xy[0]), _key(*xy[-1]))


def node_lines(named: list[tuple[str, RoadClass, BaseGeometry]]
               ) -> list[tuple[str, RoadClass, LineString]]:
    """Split every line at every crossing, keeping the name and class it came from."""
    geoms = [g for _, _, g in named]
    tree = shapely.STRtree(geoms)
    out = []
    for seg in shapely.get_parts(shapely.union_all(geoms)):
        name, cls, _ = named[int(tree.nearest(seg.interpolate(0.5, normalized=True)))]
        out.append((name, cls, seg))
    return out


def cut_into_grids(noded: list[tuple[str, RoadClass, LineString]],
                   cells: list[BaseGeometry]) -> list[Piece]:
    """Cut noded lines at grid boundaries; each piece keeps the grid it lies in."""
    out: list[Piece] = []
    for name, cls, seg in noded:
        for gi, cell in enumerate(cells):
            inside = seg.intersection(cell)
            for part in shapely.get_parts(inside):
                if part.geom_type == "LineString" and part.length > 0.5:
                    out.append(Piece.of(name, cls, gi, part))
    return out


def merge_chains(pieces: list[Piece]) -> list[Piece]:
    """Join pieces of one grid that meet at a node no third piece of that grid touches."""
    changed = True
    while changed:
        changed = False
        touch: dict[tuple[int, Key], list[int]] = defaultdict(list)
        for i, p in enumerate(pieces):
            touch[(p.grid, p.a)].append(i)
            if p.b != p.a:
                touch[(p.grid, p.b)].append(i)
        used: set[int] = set()
        merged_out: list[Piece] = []
        for members in touch.values():
            if len(members) != 2 or members[0] == members[1] or used.intersection(members):
                continue
            i, j = members
            merged = linemerge([pieces[i].line, pieces[j].line])
            if merged.geom_type != "LineString":
                continue
            keep = pieces[i] if pieces[i].line.length >= pieces[j].line.length else pieces[j]
            cls: RoadClass = "main" if "main" in (pieces[i].cls, pieces[j].cls) else keep.cls
            merged_out.append(Piece.of(keep.name, cls, keep.grid, merged))
            used.update(members)
            changed = True
        pieces = [p for k, p in enumerate(pieces) if k not in used] + merged_out
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
        ra, rb = find((p.grid, p.a)), find((p.grid, p.b))
        if ra != rb:
            parent[ra] = rb
    length: dict[tuple[int, Key], float] = defaultdict(float)
    for p in pieces:
        length[find((p.grid, p.a))] += p.line.length
    best: dict[int, tuple[int, Key]] = {}
    for root, total in length.items():
        g = root[0]
        if g not in best or total > length[best[g]]:
            best[g] = root
    return [p for p in pieces if find((p.grid, p.a)) == best[p.grid]]


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


def _dead_ends(pieces: list[Piece]) -> set[tuple[int, Key]]:
    degree: dict[tuple[int, Key], int] = defaultdict(int)
    for p in pieces:
        degree[(p.grid, p.a)] += 1
        degree[(p.grid, p.b)] += 1
    return {node for node, d in degree.items() if d == 1}


def tidy(pieces: list[Piece], min_len: float, min_stub: float, near_m: float,
         max_share: float) -> list[Piece]:
    """Drop what cannot be patrolled cleanly until nothing changes.

    A dead end shorter than min_stub goes too: walked in and back, the far end of a short stub
    is where a fix's error along the road decides whether 80 % was covered.
    """
    while True:
        pieces = largest_components(merge_chains(pieces))
        ends = _dead_ends(pieces)
        short = [i for i, p in enumerate(pieces) if p.line.length < min_len or (
            p.line.length < min_stub and ((p.grid, p.a) in ends or (p.grid, p.b) in ends))]
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
            out.append(Piece.of(p.name, p.cls, p.grid, LineString(part.coords)))
    return out
