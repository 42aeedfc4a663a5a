"""What the flow does to a case's time limit: start, 延期, 挂账 and back, colours at 80 %."""

from __future__ import annotations

from cases.records import ActionInput, Actor, NewCase, Place
from cases.store import CaseStore, colour
from tests.cases.kit import DISP, OPS, at

H = 3600.0


async def test_limits_extension_and_parking(store: CaseStore) -> None:
    new = NewCase("E0303", Place(116.9, 36.6, None, "g1"), "inspector", reporter="i1")
    case, _ = await store.create(new, Actor("inspector:i1"), at(2, 8))
    t = at(2, 9)
    case = await store.act(case["id"], ActionInput("accept", 1), OPS, t)
    case = await store.act(case["id"], ActionInput("open", 2), OPS, t)
    assert case["clock"]["stage"] == "dispatch"
    assert case["clock"]["due_ts"] == t + 0.5 * H  # urgent: dispatch within 0.5 natural hours
    case = await store.act(case["id"], ActionInput("dispatch", 3, department="sanitation"),
                           DISP, t)
    clock = case["clock"]
    assert (clock["stage"], clock["due_ts"], clock["warn_ts"]) == ("handle", t + 4 * H,
                                                                   t + 0.8 * 4 * H)
    assert colour(clock, t + 3 * H) == "green" and colour(clock, t + 3.3 * H) == "yellow"
    assert colour(clock, t + 4 * H) == "red"
    case = await store.act(case["id"], ActionInput("extend", 4, reason="等材料", hours=2),
                           OPS, t + H)
    assert case["clock"]["due_ts"] == t + 6 * H and case["handle_due_ts"] == t + 6 * H
    case = await store.act(case["id"], ActionInput("park", 5, reason="待产权认定"), OPS, t + 2 * H)
    assert case["state"] == "parked" and case["clock"]["colour"] is None
    assert case["clock"]["paused_left_s"] == 4 * H
    case = await store.act(case["id"], ActionInput("unpark", 6), OPS, t + 50 * H)
    assert case["state"] == "dispatched" and case["clock"]["due_ts"] == t + 54 * H
    assert case["handle_due_ts"] == t + 54 * H
