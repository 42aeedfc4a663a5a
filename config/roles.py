"""Token roles (docs/contract.md §4). A role is a base role, optionally with its subject after a
colon: `inspector:I01` is the inspector whose handset reports as device I01, `department:water`
the department whose inbox it is. Access checks compare the base role."""

from __future__ import annotations

import re

# device/supervisor/admin: the patrol server's roles; the others belong to the case loop
# (README, Cases): inspector reports and checks, operator accepts/opens/closes/voids,
# dispatcher dispatches, department handles its own cases, public reaches Open311 only.
BASE_ROLES = ("device", "supervisor", "admin", "inspector", "operator", "dispatcher",
              "department", "public")
NEEDS_SUBJECT = frozenset({"inspector", "department"})
_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def check_role(text: str) -> str:
    """The role unchanged, or ValueError saying what is wrong with it."""
    base, sep, subject = text.partition(":")
    if base not in BASE_ROLES:
        raise ValueError(f"unknown role {base!r} (expected one of {', '.join(BASE_ROLES)})")
    if base in NEEDS_SUBJECT:
        if not sep or not _SUBJECT.match(subject):
            raise ValueError(f"role {base} needs its subject: {base}:ID (letters, digits, _.-)")
    elif sep:
        raise ValueError(f"role {base} takes no subject")
    return text


def base_of(role: str) -> str:
    return role.partition(":")[0]


def subject_of(role: str) -> str | None:
    _base, sep, subject = role.partition(":")
    return subject if sep else None
