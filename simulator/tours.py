"""Patrol tours: splitting a grid between its inspectors and walking every road of a share.

A share (territory) is a connected part of the grid's network; a tour is a closed walk that
traverses each of its roads at least once (a greedy Chinese-postman circuit: odd junctions
are paired by shortest paths, which are walked twice, then an Euler circuit is taken).
Repeating the tour all day gives every road about one pass per round, evenly spread in time.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from simulator.graph import RoadGraph, Step


def _farthest(graph: RoadGraph, sources: list[int], allowed: set[int]) -> int:
    dist, _ = graph.dijkstra(dict.fromkeys(sources, 0.0), allowed)
    return max(sorted(dist), key=lambda n: dist[n])


def tour_length(graph: RoadGraph, tour: list[Step]) -> float:
    return sum(graph.edges[ei].length for ei, _ in tour)


def split_territories(graph: RoadGraph, edges: set[int], k: int) -> list[set[int]]:
    """k connected shares whose tours are about equally long (weighted graph Voronoi)."""
    if k <= 1 or len(edges) < k:
        return [set(edges)] + [set() for _ in range(k - 1)]
    dists = {n: graph.dijkstra({n: 0.0}, edges)[0] for n in sorted(graph.nodes_of(edges))}

    def assign(seeds: list[int], bias: np.ndarray) -> tuple[float, list[set[int]]]:
        shares: list[set[int]] = [set() for _ in range(k)]
        for i in sorted(edges):
            e = graph.edges[i]
            # An edge goes to whoever reaches its nearer end first: shares stay connected.
            cost = [min(dists[s].get(e.u, np.inf), dists[s].get(e.v, np.inf)) + bias[j]
                    for j, s in enumerate(seeds)]
            shares[int(np.argmin(cost))].add(i)
        if not all(shares):
            return np.inf, shares
        lengths = [tour_length(graph, covering_tour(graph, s, edges)) for s in shares]
        return max(lengths), shares

    first = _farthest(graph, [graph.edges[min(edges)].u], edges)
    seeds = [first]
    while len(seeds) < k:
        seeds.append(_farthest(graph, seeds, edges))
    best = assign(seeds, np.zeros(k))
    if k == 2:
        # Minimise the longer tour: try every pair of seeds, then slide the border between them.
        nodes = sorted(dists)
        pair = seeds
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                cand = assign([a, b], np.zeros(2))
                if cand[0] < best[0]:
                    best, pair = cand, [a, b]
        reach = max(dists[pair[0]].values())
        for off in np.linspace(-reach, reach, 41):
            cand = assign(pair, np.array([0.0, off]))
            if cand[0] < best[0]:
                best = cand
    else:
        bias = np.zeros(k)
        for it in range(40):
            cand = assign(seeds, bias)
            if cand[0] < best[0]:
                best = cand
            lengths = np.array([sum(graph.edges[i].length for i in s) for s in cand[1]])
            bias += 0.25 * (lengths - lengths.mean()) * (0.93 ** it)
    return best[1]


def _euler(graph: RoadGraph, multiset: list[int], start: int) -> list[Step]:
    """Hierholzer's circuit over edge instances (an edge may appear several times)."""
    adj: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # node -> (inst, edge, to)
    for inst, ei in enumerate(multiset):
        e = graph.edges[ei]
        adj[e.u].append((inst, ei, e.v))
        adj[e.v].append((inst, ei, e.u))
    for lst in adj.values():
        lst.reverse()  # pop() then takes them in file order: deterministic and readable
    used = [False] * len(multiset)
    stack: list[tuple[int, Step | None]] = [(start, None)]
    out: list[Step] = []
    while stack:
        node, via = stack[-1]
        lst = adj[node]
        while lst and used[lst[-1][0]]:
            lst.pop()
        if lst:
            inst, ei, to = lst.pop()
            used[inst] = True
            stack.append((to, (ei, graph.edges[ei].u == node)))
        else:
            stack.pop()
            if via is not None:
                out.append(via)
    return out[::-1]


def covering_tour(graph: RoadGraph, required: set[int], allowed: set[int],
                  start: int | None = None) -> list[Step]:
    """A closed walk over allowed edges that traverses every required edge at least once."""
    if not required:
        return []
    multiset = sorted(required)
    comps = graph.components(set(required))
    main = set(comps[0])
    for comp in comps[1:]:
        # Reach a cut-off part by the shortest way there and back.
        dist, _ = graph.dijkstra(dict.fromkeys(sorted(graph.nodes_of(main)), 0.0), allowed)
        targets = [n for n in sorted(graph.nodes_of(comp)) if n in dist]
        if not targets:
            raise ValueError("required roads are not connected by allowed roads")
        goal = min(targets, key=lambda n: dist[n])
        src = min(sorted(graph.nodes_of(main)),
                  key=lambda n: graph.dijkstra({n: 0.0}, allowed)[0].get(goal, np.inf))
        link = [ei for ei, _ in graph.path(src, goal, allowed)]
        multiset += link + link
        main |= comp | set(link)
    degree: dict[int, int] = defaultdict(int)
    for ei in multiset:
        degree[graph.edges[ei].u] += 1
        degree[graph.edges[ei].v] += 1
    odd = sorted(n for n, d in degree.items() if d % 2)
    table = {n: graph.dijkstra({n: 0.0}, allowed)[0] for n in odd}
    pairs = sorted((table[a].get(b, np.inf), a, b) for i, a in enumerate(odd) for b in odd[i + 1:])
    matched: set[int] = set()
    for d, a, b in pairs:
        if a in matched or b in matched or not np.isfinite(d):
            continue
        matched |= {a, b}
        multiset += [ei for ei, _ in graph.path(a, b, allowed)]
    if start is None or start not in graph.nodes_of(multiset):
        start = graph.edges[multiset[0]].u
    return _euler(graph, multiset, start)
