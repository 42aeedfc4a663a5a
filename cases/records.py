"""Typed inputs of the case store: who acts, what a new case carries, what an action carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.roles import base_of, subject_of


@dataclass(frozen=True, slots=True)
class Actor:
    role: str  # full role: operator, department:water, inspector:I01

    @property
    def base(self) -> str:
        return base_of(self.role)

    @property
    def subject(self) -> str | None:
        return subject_of(self.role)


@dataclass(frozen=True, slots=True)
class Place:
    lon: float
    lat: float
    road: str | None
    grid: str | None


@dataclass(frozen=True, slots=True)
class NewCase:
    class_code: str
    place: Place
    source: str  # inspector | camera | spill | hotline | open311 | patrol
    description: str = ""
    address: str = ""
    reporter: str | None = None
    source_ref: str | None = None  # alert id / client request id: one case per ref
    photos: tuple[str, ...] = ()
    component: str | None = None
    evidence: dict[str, Any] | None = None
    assignee: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ActionInput:
    action: str
    version: int
    note: str = ""
    reason: str | None = None
    department: str | None = None
    photos: tuple[str, ...] = ()
    hours: float | None = None  # 延期
    passed: bool | None = None  # 核查
    details: dict[str, Any] = field(default_factory=dict)  # computed facts (presence proof)
