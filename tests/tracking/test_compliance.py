"""Road status over a patrol day, and the road alert rules."""

from __future__ import annotations

import pytest

from config.patrol import AlertConfig
from tests.tracking.helpers import DATE, at, make_city
from tracking.alerts import AlertBook
from tracking.compliance import ComplianceBook
from tracking.passes import PassRecord
from tracking.patrolday import PatrolCalendar
from tracking.roadrules import BEHIND, MISSED, UNVISITED, RoadRules

CITY = make_city({"a": [(0, 0), (400, 0)], "b": [(0, 50), (400, 50)]},
                 cls={"a": "main"}, required={"b": 2})


def book() -> ComplianceBook:
    return ComplianceBook(CITY.roads, PatrolCalendar(CITY.settings), behind_by=1.0)


def rec(road: int, ts: float, suspect: bool = False, device: str = "insp-1") -> PassRecord:
    return PassRecord(road, ts, device, suspect, ts - 300, 320.0, 1.1)


@pytest.mark.parametrize(("now", "passes", "status"), [
    (at("07:00"), 0, "pending"),   # before the window
    (at("08:00"), 0, "pending"),   # 0.23 expected of 5: on schedule
    (at("10:00"), 0, "behind"),    # 1.14 expected: one pass behind
    (at("10:00"), 1, "pending"),
    (at("18:00"), 4, "pending"),   # 4.77 expected, 4 done: less than one behind
    (at("18:00"), 3, "behind"),
    (at("18:00"), 5, "ok"),
    (at("18:30"), 4, "missed"),
    (at("23:00"), 5, "ok"),
])
def test_status_over_the_day(now: float, passes: int, status: str) -> None:
    b = book()
    for k in range(passes):
        b.add(rec(0, at("07:40") + 60 * k))
    assert b.status(0, DATE, now) == status


def test_rows_have_the_contract_fields_and_ignore_suspect_passes() -> None:
    b = book()
    b.add(rec(1, at("09:00")))
    b.add(rec(1, at("09:30"), suspect=True))
    rows = b.rows(DATE, at("12:00"))
    assert [set(r) for r in rows] == [{"road", "name", "class", "grid", "required", "passes",
                                       "last_pass_ts", "status"}] * 2
    assert rows[1] | {} == {"road": "b", "name": "路b", "class": "secondary", "grid": "g1",
                            "required": 2, "passes": 1, "last_pass_ts": at("09:00"),
                            "status": "pending"}
    assert b.road_passes(1, DATE) == [{"ts": at("09:00"), "device": "insp-1", "suspect": False},
                                      {"ts": at("09:30"), "device": "insp-1", "suspect": True}]
    assert rows[0]["passes"] == 0 and rows[0]["last_pass_ts"] is None


def _types(alerts: AlertBook) -> list[tuple[str, str, str]]:
    return [(type(e).__name__, e.alert.type, e.alert.subject["road"]) for e in alerts.drain()]


def test_road_alerts_raised_once_and_cleared() -> None:
    alerts = AlertBook()
    rules = RoadRules(book(), AlertConfig(), alerts)
    rules.advance(at("07:00"))
    assert _types(alerts) == []
    # Road b needs 2 passes: behind from 07:30 + 11 h / 2 = 13:00; unvisited after 1.5 x 5.5 h.
    for hhmm in ("08:00", "12:59", "13:00", "13:30", "14:00"):
        rules.advance(at(hhmm))
    ev = _types(alerts)
    assert ("AlertEvent", BEHIND, "b") in ev and ev.count(("AlertEvent", BEHIND, "b")) == 1
    # Road a (5 a day) fell behind at 07:30 + 11 h / 5 = 09:42 and unvisited at 07:30 + 3.3 h.
    assert ev.count(("AlertEvent", BEHIND, "a")) == 1
    assert ev.count(("AlertEvent", UNVISITED, "a")) == 1
    behind_a = next(a for a in alerts.history if a.type == BEHIND and a.subject["road"] == "a")
    assert behind_a.ts == at("09:42") and behind_a.details["expected"] == 1.0
    behind_b = next(a for a in alerts.history if a.type == BEHIND and a.subject["road"] == "b")
    assert behind_b.ts == at("13:00")
    assert behind_b.details["passes"] == 0 and behind_b.details["required"] == 2
    assert "落后" in behind_b.message and "behind" in behind_b.message
    # A pass on b at 14:10 catches it up: behind cleared at the pass; unvisited a stays open.
    rules.on_passes([(1, at("14:10"))])
    rules.advance(at("14:11"))
    assert ("ClearedEvent", BEHIND, "b") in _types(alerts)
    assert behind_b.cleared_ts == at("14:10")
    # The window closes: behind/unvisited cleared, missed raised for both.
    rules.advance(at("18:31"))
    ev = _types(alerts)
    assert ev.count(("AlertEvent", MISSED, "a")) == 1 and ev.count(("AlertEvent", MISSED, "b")) == 1
    assert ("ClearedEvent", BEHIND, "a") in ev and ("ClearedEvent", UNVISITED, "a") in ev
    assert behind_a.cleared_ts == at("18:30")
    rules.advance(at("23:00"))
    assert _types(alerts) == []
    missed = next(a for a in alerts.history if a.type == MISSED and a.subject["road"] == "b")
    assert missed.ts == at("18:30") and missed.severity == "critical"
    assert missed.details == {"date": DATE, "passes": 1, "required": 2, "missing": 1}
    # Next day's window opens: missed cleared.
    rules.advance(at("07:31", "2026-03-03"))
    ev = _types(alerts)
    assert ("ClearedEvent", MISSED, "a") in ev and ("ClearedEvent", MISSED, "b") in ev
    assert missed.cleared_ts == at("07:30", "2026-03-03")


def test_unvisited_cleared_by_a_pass_and_can_come_back() -> None:
    alerts = AlertBook()
    rules = RoadRules(book(), AlertConfig(behind_by=5.0), alerts)
    rules.advance(at("07:00"))
    rules.advance(at("11:00"))
    ev = _types(alerts)
    assert ev == [("AlertEvent", UNVISITED, "a")]  # 3.3 h limit for a; b's is 8.25 h
    rules.on_passes([(0, at("11:05"))])
    rules.advance(at("11:06"))
    assert _types(alerts) == [("ClearedEvent", UNVISITED, "a")]
    rules.advance(at("14:00"))
    assert _types(alerts) == []
    rules.advance(at("14:30"))  # 11:05 + 3.3 h = 14:23
    (again,) = [e.alert for e in alerts.drain()]
    assert again.type == UNVISITED and again.ts == at("14:23")
    assert again.details["since"] == at("11:05") and again.details["last_pass_ts"] == at("11:05")


def _sweep(steps: list[float], passes: list[tuple[int, float]]) -> list[dict[str, object]]:
    """Road alerts when passes are handed over at the first step past them."""
    alerts = AlertBook()
    rules = RoadRules(book(), AlertConfig(), alerts)
    todo = sorted(passes, key=lambda p: p[1])
    for now in steps:
        rules.on_passes([p for p in todo if p[1] <= now])
        todo = [p for p in todo if p[1] > now]
        rules.advance(now)
    return [a.to_json() for a in sorted(alerts.history, key=lambda a: (a.ts, a.id))]


def test_alerts_do_not_depend_on_how_often_the_rules_advance() -> None:
    passes = [(0, at("09:40")), (0, at("11:30")), (1, at("12:50")), (0, at("15:10")),
              (0, at("15:20")), (0, at("16:00")), (1, at("18:10"))]
    end = at("08:00", "2026-03-03")
    once = _sweep([at("06:00"), end], passes)
    minutely = _sweep([at("06:00") + 60.0 * k for k in range(int((end - at("06:00")) / 60) + 1)],
                      passes)
    assert once == minutely
    kinds = {(a["type"], a["subject"]["road"]) for a in once}  # type: ignore[index]
    # a: 2 passes by 11:30, so behind from 07:30 + 3/5 x 11 h = 14:06 until the pass at 15:10
    # (3 done, 3.48 due); unvisited from 11:30 + 3.3 h = 14:48 until then too. b's passes come
    # before its deadlines and make its 2.
    assert kinds == {(BEHIND, "a"), (UNVISITED, "a")}
    behind_a = next(a for a in once if a["type"] == BEHIND)
    unvisited_a = next(a for a in once if a["type"] == UNVISITED)
    assert unvisited_a["ts"] == at("14:48") and unvisited_a["cleared_ts"] == at("15:10")
    assert behind_a["ts"] == at("14:06") and behind_a["cleared_ts"] == at("15:10")
    assert behind_a["details"]["expected"] == 3.0  # type: ignore[index]


def test_a_done_road_is_not_chased_and_a_pass_at_the_deadline_is_in_time() -> None:
    # a's first deadline is 09:42: a pass at exactly 09:42 keeps it on schedule.
    got = _sweep([at("07:00"), at("10:00")], [(0, at("09:42"))])
    assert [a for a in got if a["subject"] == {"road": "a"}] == []
    # b done by 12:00 (2 of 2): nothing after that, not even at the close.
    got = _sweep([at("07:00"), at("23:00")], [(1, at("08:00")), (1, at("12:00"))])
    assert [a for a in got if a["subject"] == {"road": "b"}] == []
