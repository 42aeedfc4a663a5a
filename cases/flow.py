"""The case flow as one explicit table: (state, action) -> (next state, roles, guard, clock).

Nothing else in cases/ decides what may happen to a case: the store looks the action up here,
checks the guard, applies the clock effect and writes one flow-log line, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

State = Literal["reported", "accepted", "opened", "dispatched", "handled", "checked", "closed",
                "void", "parked"]
STATES: dict[str, str] = {
    "reported": "上报", "accepted": "受理", "opened": "立案", "dispatched": "派遣",
    "handled": "处置", "checked": "核查", "closed": "结案", "void": "作废", "parked": "挂账",
}
FINAL = frozenset({"closed", "void"})

# What an action does to the case's clock (its current time limit):
#   start_dispatch / start_handle / start_check: a new limit of that stage starts now
#   stop: no limit runs any more; extend: the running limit is moved later by the given hours;
#   pause: the running limit stops, what is left is kept; resume: it runs again from now
Clock = Literal["none", "start_dispatch", "start_handle", "start_check", "stop", "extend",
                "pause", "resume"]
# What must hold before the action lands (otherwise 422 with the reason):
#   reason: a non-empty reason; department: a known department (given, or routed);
#   photo: at least one photo; check_result: passed true/false; check_passed: the last check
#   passed; extension: hours > 0 and a reason
Guard = Literal["none", "reason", "department", "photo", "check_result", "check_passed",
                "extension"]


@dataclass(frozen=True, slots=True)
class Transition:
    state: str
    action: str
    next: str
    roles: frozenset[str]
    guard: Guard
    clock: Clock

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "action": self.action, "next": self.next,
                "roles": sorted(self.roles), "guard": self.guard, "clock": self.clock}


def _t(state: str, action: str, next_: str, roles: str, guard: Guard, clock: Clock) -> Transition:
    return Transition(state, action, next_, frozenset(roles.split()), guard, clock)


# admin may do what any role may; it is added when the table is read (may()).
TABLE: tuple[Transition, ...] = (
    _t("reported", "accept", "accepted", "operator", "none", "none"),
    _t("reported", "void", "void", "operator", "reason", "stop"),
    _t("accepted", "open", "opened", "operator", "none", "start_dispatch"),
    _t("accepted", "void", "void", "operator", "reason", "stop"),
    _t("opened", "dispatch", "dispatched", "dispatcher", "department", "start_handle"),
    _t("opened", "void", "void", "operator", "reason", "stop"),
    _t("dispatched", "handle", "handled", "department", "photo", "start_check"),
    _t("dispatched", "return", "opened", "department", "reason", "start_dispatch"),
    _t("dispatched", "extend", "dispatched", "dispatcher operator", "extension", "extend"),
    _t("dispatched", "park", "parked", "operator", "reason", "pause"),
    _t("parked", "unpark", "dispatched", "operator", "none", "resume"),
    _t("handled", "check", "checked", "inspector", "check_result", "stop"),
    _t("checked", "close", "closed", "operator", "check_passed", "stop"),
    _t("checked", "rework", "dispatched", "operator", "reason", "start_handle"),
)
ACTIONS: dict[str, str] = {
    "report": "上报", "accept": "受理", "open": "立案", "dispatch": "派遣", "handle": "处置",
    "return": "退回", "extend": "延期", "park": "挂账", "unpark": "解除挂账", "check": "核查",
    "close": "结案", "rework": "返工", "void": "作废",
}
_BY_KEY = {(t.state, t.action): t for t in TABLE}
_ROLES_OF_ACTION: dict[str, frozenset[str]] = {}
for _tr in TABLE:
    _ROLES_OF_ACTION[_tr.action] = _ROLES_OF_ACTION.get(_tr.action, frozenset()) | _tr.roles


def may(role: str, transition: Transition) -> bool:
    return role == "admin" or role in transition.roles


def role_may_ever(role: str, action: str) -> bool:
    """Whether the role may take this action in some state (otherwise: 403)."""
    return role == "admin" or role in _ROLES_OF_ACTION.get(action, frozenset())


def lookup(state: str, action: str) -> Transition | None:
    return _BY_KEY.get((state, action))


def allowed(state: str, role: str) -> list[str]:
    """The actions this role may take on a case in this state, in table order."""
    return [t.action for t in TABLE if t.state == state and may(role, t)]
