"""The bench's tables: one row per condition with a cell per city, then the overall figures."""

from __future__ import annotations

from bench.judge.conditions import Condition
from bench.judge.score import Score


def cell(s: Score) -> str:
    """exact road-days (share) · passes found/true · flips · partial walks counted/walked."""
    share = 100.0 * s.exact / max(s.road_days, 1)
    return (f"{s.exact}/{s.road_days} ({share:.1f} %) · {s.found}/{s.true_passes} · "
            f"{s.flips} · {s.partials_counted}/{s.partials}")


def split(s: Score) -> str:
    """Exact road-days on the other roads, then on twin roads (bench/judge/twins.py)."""
    others, done = s.road_days - s.twin_road_days, s.exact - s.twin_exact
    twins = (f"{s.twin_exact}/{s.twin_road_days} "
             f"({100.0 * s.twin_exact / s.twin_road_days:.1f} %)" if s.twin_road_days
             else "none")
    return f"{done}/{others} ({100.0 * done / max(others, 1):.1f} %) · {twins}"


def verdict(cond: Condition, s: list[Score]) -> str:
    target = cond.target
    if target is None:
        return "no target"
    share, no_flips = target
    ok = all(x.exact >= share * x.road_days and (not no_flips or x.flips == 0) for x in s)
    return ("meets" if ok else "FAILS") + f" ≥ {100 * share:g} %" + (", 0 flips" if no_flips
                                                                   else "")


def _total(scores: list[Score]) -> Score:
    t = Score()
    for s in scores:
        t.add(s)
    return t


def render(results: dict[tuple[str, str], Score], conds: list[Condition], cities: list[str],
           markdown: bool = False) -> str:
    head = ["condition", *cities, "all cities", "issue 12 target (every city)"]
    rows = []
    for c in conds:
        per = [results[(c.name, city)] for city in cities]
        rows.append([c.name, *(cell(s) for s in per), cell(_total(per)), verdict(c, per)])
    groups = {"σ ≤ 10 m, ≤ 2 % jumps (target 99.5 %, 0 flips)":
              [c for c in conds if c.target == (0.995, True)],
              "σ 12-15 m, ≤ 2 % jumps (target 98 %)":
              [c for c in conds if c.target == (0.98, False)],
              "beyond the targets": [c for c in conds if c.target is None],
              "every condition": conds}
    overall, kinds = [], []
    for label, members in groups.items():
        if not members:
            continue
        per = [_total([results[(c.name, city)] for c in members]) for city in cities]
        kinds.append([label, *(split(s) for s in per), split(_total(per))])
        met = sum(verdict(c, [results[(c.name, x)] for x in cities]).startswith("meets")
                  for c in members if c.target is not None)
        aimed = sum(c.target is not None for c in members)
        overall.append([label, *(cell(s) for s in per), cell(_total(per)),
                        f"{met}/{aimed} conditions meet theirs" if aimed else "—"])
    return (_format(head, rows, markdown) + "\n\n"
            + _format(["overall", *cities, "all cities", "conditions meeting their target"],
                      overall, markdown) + "\n\n"
            + _format(["exact road-days: other roads · roads with a parallel road within 12 m",
                       *cities, "all cities"], kinds, markdown))


def _format(head: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths)),
                      *(fmt.format(*r) for r in rows)])
