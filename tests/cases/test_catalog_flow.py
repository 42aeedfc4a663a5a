"""The catalogue as data and the flow as one table: checked on load, consistent, complete."""

from __future__ import annotations

from typing import Any

import pytest

from cases.catalog import CatalogError, load_catalog, parse_catalog
from cases.flow import ACTIONS, FINAL, STATES, TABLE, allowed, lookup, role_may_ever
from config.load import ConfigError, parse_env_tokens
from config.roles import check_role


def test_default_catalogue_has_every_major_class_of_the_standards() -> None:
    cat = load_catalog()
    majors = {c.major for c in cat.classes.values()}
    assert {f"C0{n}" for n in range(1, 7)} <= majors  # 部件 01 公用设施 … 06 其他设施
    assert {f"E0{n}" for n in range(1, 6)} <= majors  # 事件 01 市容环境 … 05 街面秩序
    for cls in cat.classes.values():
        assert set(cls.limits) == {"dispatch", "handle", "check"}
        assert cat.department_for(cls.code, None) in cat.departments, cls.code
    assert cat.department_for("C0110", "g1") == "streetlight"  # longest prefix wins
    assert cat.classes["C0101"].urgent and cat.classes["C0101"].limits["handle"].unit == "hours"


BASE: dict[str, Any] = {
    "limits": {"dispatch": "1 work_hours", "handle": "2 work_days", "check": "4 hours"},
    "departments": {"a": "A"}, "classes": {"E01": {"name": "x", "minor": {"E0101": {}}}},
    "dispatch": [{"class": "E", "department": "a"}],
}


@pytest.mark.parametrize(("change", "words"), [
    ({"limits": {"dispatch": "1 fortnights", "handle": "1 hours", "check": "1 hours"}},
     "limit"),
    ({"limits": {"dispatch": "-1 hours", "handle": "1 hours", "check": "1 hours"}}, "(0"),
    ({"classes": {"X01": {"minor": {}}}}, "大类"),
    ({"classes": {"E01": {"minor": {"E0201": {}}}}}, "小类"),
    ({"dispatch": [{"class": "E", "department": "nobody"}]}, "unknown department"),
    ({"departments": {}}, "departments"),
    ({"departments": {"a/../b": "x"}}, "department id"),
])
def test_a_bad_catalogue_is_refused_with_the_place(change: dict[str, Any], words: str) -> None:
    with pytest.raises(CatalogError, match=words.replace("(", r"\(")):
        parse_catalog({**BASE, **change})


def test_the_flow_table() -> None:
    assert len({(t.state, t.action) for t in TABLE}) == len(TABLE)  # one row per key
    for t in TABLE:
        assert t.state in STATES and t.next in STATES and t.action in ACTIONS
        assert t.state not in FINAL  # nothing leaves 结案 or 作废
    reachable, todo = {"reported"}, ["reported"]
    while todo:
        for t in TABLE:
            if t.state == todo[-1] and t.next not in reachable:
                reachable.add(t.next)
                todo.insert(0, t.next)
        todo.pop()
    assert reachable == set(STATES)
    assert allowed("reported", "operator") == ["accept", "void"]
    assert allowed("dispatched", "department") == ["handle", "return"]
    assert allowed("dispatched", "admin") == ["handle", "return", "extend", "park"]
    assert lookup("closed", "rework") is None
    assert not role_may_ever("supervisor", "accept") and role_may_ever("operator", "close")


def test_roles_carry_their_subject() -> None:
    assert check_role("department:water") == "department:water"
    for bad in ("department", "inspector:", "operator:x", "boss", "department:a/b"):
        with pytest.raises(ValueError):
            check_role(bad)
    assert parse_env_tokens("tok-123456789:inspector:I01") == {"tok-123456789": "inspector:I01"}
    with pytest.raises(ConfigError):
        parse_env_tokens("tok-123456789:department")
