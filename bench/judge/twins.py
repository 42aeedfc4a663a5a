"""Roads with a parallel road close beside them: the bench's hardest case, graded apart.

A road is a *twin* when, along more than TWIN_SHARE of it (sampled every SAMPLE_M, its ends'
END_M left out: every road meets others at its ends), another road lies within TWIN_M: the
two carriageways of a divided street, a service road along a main road, the two sides of a
narrow triangle at a junction. TWIN_M is under the 15 m issue 12 names as the closest parallel
roads to handle and about 1.5 sigma of an 8 m error: which of two such roads a walk was on is
decided by the error's bias as often as by the walk (README, "Where the matcher stops
working"). The judge's own geometry, shared with nothing under test.
"""

from __future__ import annotations

import weakref

import numpy as np
import shapely

from bench.judge.streets import StreetMap

TWIN_M = 12.0
TWIN_SHARE = 0.3
SAMPLE_M = 5.0
END_M = 15.0

_cache: weakref.WeakKeyDictionary[StreetMap, frozenset[int]] = weakref.WeakKeyDictionary()


def twin_roads(city: StreetMap) -> frozenset[int]:
    """Indices of the city's twin roads (cached per map)."""
    if city not in _cache:
        lines = [shapely.linestrings(r.xy) for r in city.roads]
        tree = shapely.STRtree(lines)
        twins = set()
        for r, line in zip(city.roads, lines, strict=True):
            at = np.arange(END_M, line.length - END_M, SAMPLE_M)
            if not len(at):
                continue
            pts = shapely.line_interpolate_point(line, at)
            near, other = tree.query(pts, predicate="dwithin", distance=TWIN_M)
            hit = np.unique(near[other != r.index])
            if len(hit) > TWIN_SHARE * len(at):
                twins.add(r.index)
        _cache[city] = frozenset(twins)
    return _cache[city]
