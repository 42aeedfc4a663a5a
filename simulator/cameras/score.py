"""Scoring spill events against a scene's ground truth (used by the bench and the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.cameras.scene import Scene

LATE_S = 20.0  # a detection this long after the last piece landed no longer counts
LOW_GAP = 15.0  # grey levels: a spill closer than this to the road's brightness is low contrast


@dataclass
class Score:
    truths: int = 0
    hits: int = 0  # truths found
    false: int = 0  # spill events matching no truth
    attributed: int = 0  # hits naming the right vehicle
    false_by: dict[str, int] = field(default_factory=dict)  # distractors of scenes with FPs
    low_truths: int = 0  # of the truths, those of low contrast (brightness gap < LOW_GAP)
    low_hits: int = 0

    def add(self, other: Score) -> None:
        self.truths += other.truths
        self.hits += other.hits
        self.low_truths += other.low_truths
        self.low_hits += other.low_hits
        self.false += other.false
        self.attributed += other.attributed
        for k, v in other.false_by.items():
            self.false_by[k] = self.false_by.get(k, 0) + v

    @property
    def recall(self) -> float:
        return self.hits / self.truths if self.truths else 1.0

    @property
    def low_recall(self) -> float:
        return self.low_hits / self.low_truths if self.low_truths else 1.0

    @property
    def precision(self) -> float:
        found = self.hits + self.false
        return self.hits / found if found else 1.0

    @property
    def attribution(self) -> float:
        return self.attributed / self.hits if self.hits else 1.0


def _overlap(a: list[int], b: list[int], margin: int) -> bool:
    return (a[0] - margin < b[0] + b[2] and b[0] - margin < a[0] + a[2]
            and a[1] - margin < b[1] + b[3] and b[1] - margin < a[1] + a[3])


def _mostly_inside(box: list[int], real: list[int], margin: int) -> bool:
    """At least half of the named vehicle's box lies on the true vehicle (with its shadow)."""
    x0, y0 = max(box[0], real[0] - margin), max(box[1], real[1] - margin)
    x1 = min(box[0] + box[2], real[0] + real[2] + 2 * margin)
    y1 = min(box[1] + box[3], real[1] + real[3] + 2 * margin)
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter >= 0.5 * max(1, box[2] * box[3])


def score(scene: Scene, events: list[dict[str, Any]]) -> Score:
    truth = scene.truth()["spills"]
    spills = [e for e in events if e["kind"] == "spill" and e.get("state") != "cleared"]
    margin = scene.width // 100
    out = Score(truths=len(truth), low_truths=sum(t["gap"] < LOW_GAP for t in truth))
    used: set[int] = set()
    for ev in spills:
        match = next((i for i, t in enumerate(truth) if i not in used
                      and _overlap(ev["box"], t["box"], margin)
                      and t["first_ts"] - 0.5 <= ev["ts"] <= t["last_ts"] + LATE_S), None)
        if match is None:
            out.false += 1
            for d in scene.truth()["distractors"] or ["none"]:
                out.false_by[d] = out.false_by.get(d, 0) + 1
            continue
        used.add(match)
        out.hits += 1
        out.low_hits += truth[match]["gap"] < LOW_GAP
        vehicle = ev.get("vehicle") or {}
        real = scene.vehicle_box(truth[match]["vehicle"], vehicle.get("box_ts", ev["ts"]))
        if real is not None and "box" in vehicle and _mostly_inside(vehicle["box"], real, margin):
            out.attributed += 1
    return out
