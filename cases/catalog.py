"""The case catalogue: classes with codes and time limits, departments, dispatch rules.

Data, not code: cases/defaults/catalog.toml is the documented default, a county names its own
in [cases] catalog. Loading checks every code, limit and department it names."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DEFAULT = Path(__file__).parent / "defaults" / "catalog.toml"
MAJOR_RE = re.compile(r"^[CE]\d{2}$")
MINOR_RE = re.compile(r"^[CE]\d{4}$")
Unit = Literal["work_hours", "work_days", "hours"]
UNITS: tuple[Unit, ...] = ("work_hours", "work_days", "hours")
STAGES = ("dispatch", "handle", "check")


class CatalogError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Limit:
    value: float
    unit: Unit

    @staticmethod
    def parse(text: str, where: str) -> Limit:
        parts = str(text).split()
        if len(parts) != 2 or parts[1] not in UNITS:
            raise CatalogError(f"{where}: a limit is 'N work_hours|work_days|hours', got {text!r}")
        try:
            value = float(parts[0])
        except ValueError:
            raise CatalogError(f"{where}: {parts[0]!r} is not a number") from None
        if not 0 < value <= 10_000:
            raise CatalogError(f"{where}: the limit must be in (0, 10000]")
        return Limit(value, parts[1])  # checked against UNITS

    def text(self) -> str:
        return f"{self.value:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class CaseClass:
    code: str  # C0101
    major: str  # C01
    name: str
    major_name: str
    urgent: bool
    limits: dict[str, Limit]  # dispatch | handle | check

    @property
    def kind(self) -> str:
        return "component" if self.code.startswith("C") else "event"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "major": self.major, "kind": self.kind, "name": self.name,
                "major_name": self.major_name, "urgent": self.urgent,
                "limits": {k: v.text() for k, v in self.limits.items()}}


@dataclass(frozen=True, slots=True)
class DispatchRule:
    prefix: str
    grids: frozenset[str] | None
    department: str


@dataclass(frozen=True, slots=True)
class Catalog:
    classes: dict[str, CaseClass]
    departments: dict[str, str]
    rules: tuple[DispatchRule, ...]

    def department_for(self, code: str, grid: str | None) -> str | None:
        """The most specific matching rule (longest class prefix; a grid rule before a rule
        for any grid), or None."""
        best: tuple[int, int, str] | None = None
        for rule in self.rules:
            if not code.startswith(rule.prefix):
                continue
            if rule.grids is not None and grid not in rule.grids:
                continue
            key = (len(rule.prefix), 1 if rule.grids is not None else 0, rule.department)
            if best is None or key[:2] > best[:2]:
                best = key
        return None if best is None else best[2]

    def to_json(self) -> dict[str, Any]:
        return {"classes": [c.to_json() for c in self.classes.values()],
                "departments": [{"id": k, "name": v} for k, v in self.departments.items()],
                "dispatch": [{"class": r.prefix, "grids": sorted(r.grids) if r.grids else None,
                              "department": r.department} for r in self.rules]}


def load_catalog(path: str | Path | None = None) -> Catalog:
    source = Path(path) if path is not None else DEFAULT
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{source}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from None
    return parse_catalog(raw, str(source))


def _limits(table: Any, where: str) -> dict[str, Limit]:
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: expected a table")
    unknown = set(table) - set(STAGES)
    if unknown:
        raise CatalogError(f"{where}: unknown stage {sorted(unknown)[0]!r}")
    return {k: Limit.parse(v, f"{where}.{k}") for k, v in table.items()}


def parse_catalog(raw: dict[str, Any], source: str = "catalog") -> Catalog:
    normal = _limits(raw.get("limits", {}), f"{source}: limits")
    urgent = {**normal, **_limits(raw.get("urgent_limits", {}), f"{source}: urgent_limits")}
    if set(normal) != set(STAGES):
        raise CatalogError(f"{source}: [limits] needs dispatch, handle and check")
    departments = raw.get("departments", {})
    if not isinstance(departments, dict) or not departments:
        raise CatalogError(f"{source}: [departments] needs at least one department")
    for dep in departments:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", dep):
            raise CatalogError(f"{source}: department id {dep!r}: letters, digits, _.- only")
    classes: dict[str, CaseClass] = {}
    for major, body in raw.get("classes", {}).items():
        where = f"{source}: classes.{major}"
        if not MAJOR_RE.match(major) or not isinstance(body, dict):
            raise CatalogError(f"{where}: a 大类 code is C or E and two digits")
        for code, spec in body.get("minor", {}).items():
            if not MINOR_RE.match(code) or not code.startswith(major):
                raise CatalogError(f"{where}.{code}: a 小类 code is its 大类 and two digits")
            spec = dict(spec)
            is_urgent = bool(spec.pop("urgent", False))
            name = str(spec.pop("name", code))
            own = _limits(spec, f"{where}.{code}")
            classes[code] = CaseClass(code, major, name, str(body.get("name", major)),
                                      is_urgent, {**(urgent if is_urgent else normal), **own})
    if not classes:
        raise CatalogError(f"{source}: no classes")
    rules = []
    for n, rule in enumerate(raw.get("dispatch", [])):
        where = f"{source}: dispatch[{n}]"
        dep = rule.get("department")
        if dep not in departments:
            raise CatalogError(f"{where}: unknown department {dep!r}")
        grids = rule.get("grids")
        rules.append(DispatchRule(str(rule.get("class", "")),
                                  frozenset(grids) if grids is not None else None, dep))
    return Catalog(classes, {str(k): str(v) for k, v in departments.items()}, tuple(rules))
