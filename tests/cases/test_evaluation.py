"""综合评价 figures from a month whose answers are known by hand, on SQLite and PostgreSQL;
the CSV and the bulletin over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from cases.evaluation import Evaluation, period_span
from cases.records import ActionInput, Actor, NewCase, Place
from cases.store import CaseStore
from config.cases import CasesSection
from tests.cases.conftest import SUPERVISOR
from tests.cases.kit import DISP, OPS, at, call, report
from tests.serverkit import RunningServer


async def run(store: CaseStore, cls: str, dep: str, reporter: str,
              steps: list[tuple[str, float]]) -> dict[str, Any]:
    """A case reported at the first step's time, then each (action, time)."""
    new = NewCase(cls, Place(116.9, 36.6, "r1", "g1"), "inspector", reporter=reporter)
    case, _ = await store.create(new, Actor(f"inspector:{reporter}"), steps[0][1] - 60)
    who = {"accept": OPS, "open": OPS, "dispatch": DISP, "handle": Actor(f"department:{dep}"),
           "check": Actor("inspector:x"), "close": OPS, "rework": OPS, "void": OPS}
    for action, ts in steps:
        given = ActionInput(action, case["version"], department=dep if action == "dispatch"
                            else None, photos=(), passed=True if action == "check" else None,
                            reason="r" if action in ("rework", "void") else None)
        if action == "handle":
            given = ActionInput(action, case["version"], photos=("f" * 64,))
        case = await store.act(case["id"], given, who[action], ts)
    return case


async def test_a_month_by_hand(store: CaseStore) -> None:
    from cases.photos import Photo
    await store.add_photo(Photo("f" * 64, "image/png", 1, 1, 1, None, None, None), OPS, 0.0)
    flow = ["accept", "open", "dispatch"]

    def steps(day: int, tail: list[tuple[str, float]]) -> list[tuple[str, float]]:
        return [(a, at(day, 9, k)) for k, a in enumerate(flow)] + tail

    # sanitation: A on time; B late (E0303: 4 natural hours); C reworked then on time;
    # D never handled (past due); E not due yet; V voided (left out)
    await run(store, "E0303", "sanitation", "i1", steps(2, [
        ("handle", at(2, 10)), ("check", at(2, 11)), ("close", at(2, 12))]))
    await run(store, "E0303", "sanitation", "i1", steps(3, [
        ("handle", at(4, 15)), ("check", at(4, 16)), ("close", at(4, 17))]))
    await run(store, "E0303", "sanitation", "i2", steps(4, [
        ("handle", at(4, 10)), ("check", at(4, 11)), ("rework", at(4, 11, 5)),
        ("handle", at(4, 12)), ("check", at(4, 12, 30)), ("close", at(4, 13))]))
    await run(store, "E0303", "sanitation", "i2", steps(5, []))
    await run(store, "E0102", "sanitation", "i2", [
        ("accept", at(30, 17)), ("open", at(30, 17, 1)), ("dispatch", at(30, 17, 5))])
    await run(store, "E0102", "sanitation", "i2", [("accept", at(6, 9)), ("void", at(6, 10))])
    await run(store, "E0501", "enforcement", "i1", steps(7, [
        ("handle", at(7, 10)), ("check", at(7, 11)), ("close", at(7, 12))]))
    ev = Evaluation(store.db, store.catalog, CasesSection(), "Asia/Shanghai")
    now = at(1, 10, month=12)
    table = await ev.table("department", "month", "2026-11-15", now)
    assert (table["start"], table["end"]) == ("2026-11-01", "2026-11-30")
    rows = {r["id"]: r for r in table["rows"]}
    san = rows["sanitation"]
    assert {k: san[k] for k in ("opened", "due", "closed", "ontime", "rework", "overdue")} == \
        {"opened": 5, "due": 4, "closed": 3, "ontime": 2, "rework": 1, "overdue": 2}
    assert (san["close_rate"], san["ontime_rate"], san["rework_rate"], san["overdue_rate"]) == \
        (0.75, 0.5, 0.2, 0.5)
    assert san["score"] == pytest.approx(100 * (0.4 * 0.5 + 0.3 * 0.75 + 0.2 * 0.8 + 0.1 * 0.5))
    assert (san["rank"], san["grade"]) == (2, "中")
    assert (rows["enforcement"]["score"], rows["enforcement"]["rank"],
            rows["enforcement"]["grade"]) == (100.0, 1, "优")
    xun = {r["id"]: r for r in (await ev.table("department", "xun", "2026-11-03", now))["rows"]}
    assert xun["sanitation"]["opened"] == 4  # 1–10 November: not E (30th), not V
    day = {r["id"]: r for r in (await ev.table("department", "day", "2026-11-03", now))["rows"]}
    assert day["sanitation"]["opened"] == 1 and "enforcement" not in day
    insp = {r["id"]: r for r in (await ev.table("inspector", "month", "2026-11-01", now))["rows"]}
    assert (insp["i1"]["reports"], insp["i1"]["valid_reports"]) == (3, 3)
    assert (insp["i2"]["reports"], insp["i2"]["valid_reports"]) == (4, 3)  # one voided
    assert insp["x"]["checks"] == 5 and insp["x"]["present_checks"] == 0
    grid = (await ev.table("grid", "year", "2026-06-01", now))["rows"]
    assert [(r["id"], r["opened"]) for r in grid] == [("g1", 6)]


def test_periods() -> None:
    from datetime import date
    assert period_span("xun", date(2026, 2, 25)) == (date(2026, 2, 21), date(2026, 3, 1))
    assert period_span("xun", date(2026, 2, 11)) == (date(2026, 2, 11), date(2026, 2, 21))
    assert period_span("year", date(2026, 2, 11)) == (date(2026, 1, 1), date(2027, 1, 1))
    assert period_span("month", date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))


async def test_csv_bulletin_and_bad_queries_over_http(srv: RunningServer) -> None:
    await report(srv, "inspector-token-g1a")
    status, text = await call(srv, SUPERVISOR, "GET",
                              "/api/v1/cases/evaluation?dimension=department&format=csv")
    assert status == 200 and text.splitlines()[0].startswith("编号 / id,名称 / name,立案数")
    status, html = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/bulletin?month=2026-11")
    assert status == 200 and "2026年11月" in html and "<script" not in html
    for query in ("dimension=planet", "period=week", "date=yesterday"):
        status, body = await call(srv, SUPERVISOR, "GET", f"/api/v1/cases/evaluation?{query}")
        assert status == 422 and body["field"] in query, query
    status, _ = await call(srv, SUPERVISOR, "GET", "/api/v1/cases/bulletin?month=13")
    assert status == 422
    status, _ = await call(srv, "inspector-token-g1a", "GET", "/api/v1/cases/evaluation")
    assert status == 403
