"""The configuration reference, generated from the models: python -m config.reference"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from config.server import Config


def _default(field: FieldInfo) -> str:
    if field.default is not PydanticUndefined:
        value = field.default
    elif field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    else:
        return "required"
    if isinstance(value, BaseModel):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "(none)"
    if isinstance(value, dict | list) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    return repr(value)


def _bounds(field: FieldInfo) -> str:
    out = []
    for meta in field.metadata:
        for name, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(meta, name, None)
            if bound is not None:
                out.append(f"{sign} {bound:g}" if isinstance(bound, float) else f"{sign} {bound}")
    return ", ".join(out)


def _rows(model: type[BaseModel], section: str) -> list[tuple[str, list[list[str]]]]:
    rows: list[list[str]] = []
    nested: list[tuple[str, list[list[str]]]] = []
    for name, field in model.model_fields.items():
        annotation: Any = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            nested.extend(_rows(annotation, f"{section}.{name}" if section else name))
            continue
        rows.append([f"`{name}`", _default(field), _bounds(field),
                     (field.description or "").replace("|", "\\|")])
    return ([(section, rows)] if rows else []) + nested


def reference() -> str:
    lines = ["# Configuration reference", "",
             "Generated from the models in `config/` by `python -m config.reference`; do not "
             "edit by hand.", "`python server.py --config FILE` reads TOML; every key has the "
             "default below, unknown keys are refused with their name, out-of-range values "
             "with the bound. Tokens may also come from `GRIDWATCH_TOKENS=\"token:role,...\"`.",
             ""]
    for section, rows in _rows(Config, ""):
        lines += [f"## [{section}]", "", "| key | default | bounds | meaning |",
                  "| --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(reference())
