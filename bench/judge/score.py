"""Grading one city-day: the system's compliance rows and passes against the truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from bench.judge.cityfolder import REQUIRED
from bench.judge.plans import DayPlan
from bench.judge.streets import StreetMap
from bench.judge.truth import TruePass
from bench.judge.twins import twin_roads

PARTIAL_SLACK_S = 30.0  # a pass this soon after a partial walk ended is that walk's


@dataclass
class Score:
    road_days: int = 0
    exact: int = 0
    either: int = 0  # road-days whose count depends on how a long silence is read
    true_passes: int = 0  # where a long silence allows two counts, the one nearer the system's
    found: int = 0  # passes the system counted
    under: int = 0
    over: int = 0
    flips: int = 0  # compliant <-> non-compliant
    twin_road_days: int = 0  # road-days of roads with a parallel road close by (twins.py)
    twin_exact: int = 0
    partials: int = 0
    partials_counted: int = 0
    fixes: int = 0
    seconds: float = 0.0  # time inside the system under test
    wrong: list[str] = field(default_factory=list)  # a few examples, for diagnosis

    def add(self, other: Score) -> None:
        for f in fields(self):
            if f.name == "wrong":
                self.wrong.extend(other.wrong[: max(0, 12 - len(self.wrong))])
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Score:
        return cls(**d)


def score_day(city: StreetMap, plan: DayPlan, truth: list[TruePass],
              rows: list[dict[str, Any]], passes_of: Callable[[str], list[dict[str, Any]]],
              silent: list[TruePass] | None = None) -> Score:
    """rows: the system's compliance list after the window closed; passes_of(road): its passes
    on that road that day ({"ts", "device", "suspect"}); silent: the truth with silences longer
    than the break left out of the walk (truth.day_passes), a count equal to either is right."""
    sc = Score()
    want = Counter(p.road for p in truth if not p.suspect)
    alt = want if silent is None else Counter(p.road for p in silent if not p.suspect)
    got = {r["road"]: r for r in rows}
    twins = twin_roads(city)
    for road in city.roads:
        row = got.get(road.id)
        if row is None:
            raise RuntimeError(f"the system's compliance has no row for road {road.id}")
        n_true, n_sys = want.get(road.index, 0), int(row["passes"])
        n_alt = alt.get(road.index, 0)
        near = n_true if abs(n_sys - n_true) <= abs(n_sys - n_alt) else n_alt
        sc.road_days += 1
        sc.either += int(n_alt != n_true)
        sc.true_passes += near  # the walk's count, or the silent reading's if nearer
        sc.found += n_sys
        sc.under += max(0, near - n_sys)
        sc.over += max(0, n_sys - near)
        twin = road.index in twins
        sc.twin_road_days += twin
        if n_sys == near:
            sc.exact += 1
            sc.twin_exact += twin
        elif len(sc.wrong) < 12:
            sc.wrong.append(f"{plan.date} {road.id} ({road.length:.0f} m) {n_sys}/{n_true}")
        ok = row["status"] == "ok"
        if (n_true >= REQUIRED[road.cls]) != ok and (n_alt >= REQUIRED[road.cls]) != ok:
            sc.flips += 1
    for w in plan.walkers:
        for pw in w.partials:
            if pw.t0 < plan.open or pw.t1 > plan.close:
                continue
            ri = pw.road
            rid = city.roads[ri].id
            sc.partials += 1
            t1 = pw.t1 + PARTIAL_SLACK_S
            n_sys = sum(1 for p in passes_of(rid) if p["device"] == pw.device
                        and not p["suspect"] and pw.t0 <= p["ts"] <= t1)
            n_true = sum(1 for p in truth if p.device == pw.device and p.road == ri
                         and not p.suspect and pw.t0 <= p.ts <= t1)
            sc.partials_counted += int(n_sys > n_true)
    return sc
