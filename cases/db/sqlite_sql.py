"""The hot case statements in SQLite's own SQL, run on the sqlite3 connection itself
(Database.write_raw / read_raw).

Through SQLAlchemy a case action cost about 40 % more server CPU than the statements take in
SQLite: compiling the cached statement's parameters, the result proxy, the row mappings. These
few statements (read a case, write it, its log line, its photos) carry every action and every
report, so they are written out here once; everything else stays on SQLAlchemy. The column
lists come from cases/db/schema.py, so the two cannot drift apart.

Only names of the schema's own tables and columns are ever put into the SQL text (checked by
_columns); every value is a bound parameter."""

# ruff: noqa: S608  # identifiers from the schema only (see _columns); values are bound

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Boolean

from cases.db.schema import case_photos, cases, flow_log, missed, photos

Row = dict[str, Any]
CASE_COLUMNS = tuple(c.name for c in cases.columns)
# SQLite hands booleans back as 0/1; the JSON answers say true/false, as on PostgreSQL.
BOOLEAN_COLUMNS = tuple(c.name for c in cases.columns if isinstance(c.type, Boolean))
PHOTO_COLUMNS = tuple(c.name for c in photos.columns)

_SELECT_CASE = f"SELECT {', '.join(CASE_COLUMNS)} FROM {cases.name} WHERE id = ?"
_SELECT_CASE_OF_DEPARTMENT = _SELECT_CASE + " AND department = ?"
_CASE_BY_REF = f"SELECT id FROM {cases.name} WHERE source_ref = ?"
_LOG_COLUMNS = tuple(c.name for c in flow_log.columns if c.name != "id")
_INSERT_LOG = (f"INSERT INTO {flow_log.name} ({', '.join(_LOG_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_LOG_COLUMNS))})")
_INSERT_CASE_PHOTO = f"INSERT INTO {case_photos.name} (case_id, seq, sha256) VALUES (?, ?, ?)"
_INSERT_MISSED = (f"INSERT INTO {missed.name} (case_id, inspector, passed_ts, ts, grid) "
                  "VALUES (?, ?, ?, ?, ?)")


def case_row(conn: sqlite3.Connection, case_id: int, department: str | None) -> Row | None:
    """The case (a department: only one of its own), or None."""
    if department is None:
        found = conn.execute(_SELECT_CASE, (case_id,)).fetchone()
    else:
        found = conn.execute(_SELECT_CASE_OF_DEPARTMENT, (case_id, department)).fetchone()
    if found is None:
        return None
    row = dict(zip(CASE_COLUMNS, found, strict=True))
    for name in BOOLEAN_COLUMNS:
        if row[name] is not None:
            row[name] = bool(row[name])
    return row


def case_by_ref(conn: sqlite3.Connection, ref: str) -> int | None:
    found = conn.execute(_CASE_BY_REF, (ref,)).fetchone()
    return None if found is None else int(found[0])


@functools.lru_cache(maxsize=64)
def _select_photos(n: int) -> str:
    return (f"SELECT {', '.join(PHOTO_COLUMNS)} FROM {photos.name} "
            f"WHERE sha256 IN ({', '.join('?' * n)})")


def photo_rows(conn: sqlite3.Connection, shas: Iterable[str]) -> dict[str, Row]:
    """The stored facts of these photos (EXIF time and place), by SHA-256; unknown ones
    are absent."""
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    return {r[0]: dict(zip(PHOTO_COLUMNS, r, strict=True))
            for r in conn.execute(_select_photos(len(unique)), unique)}


def _columns(keys: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(keys) - set(CASE_COLUMNS)
    if unknown:
        raise ValueError(f"not a column of cases: {sorted(unknown)}")
    return keys


@functools.lru_cache(maxsize=256)
def _update_case(keys: tuple[str, ...]) -> str:
    keys = _columns(keys)
    sets = ", ".join(f"{k} = ?" for k in keys)
    return f"UPDATE {cases.name} SET {sets} WHERE id = ? AND version = ?"


def update_case(conn: sqlite3.Connection, case_id: int, version_was: int, values: Row) -> bool:
    """Write the case's new values if its version is still `version_was` (False: it moved)."""
    keys = tuple(values)
    cur = conn.execute(_update_case(keys), (*values.values(), case_id, version_was))
    return cur.rowcount == 1


@functools.lru_cache(maxsize=16)
def _insert_case(keys: tuple[str, ...]) -> str:
    keys = _columns(keys)
    return (f"INSERT INTO {cases.name} ({', '.join(keys)}) "
            f"VALUES ({', '.join('?' * len(keys))})")


def insert_case(conn: sqlite3.Connection, values: Row) -> int:
    cur = conn.execute(_insert_case(tuple(values)), tuple(values.values()))
    assert cur.lastrowid is not None
    return cur.lastrowid


def insert_log(conn: sqlite3.Connection, line: Row) -> None:
    conn.execute(_INSERT_LOG, tuple(line[k] for k in _LOG_COLUMNS))


def insert_case_photos(conn: sqlite3.Connection, case_id: int, seq: int,
                       shas: Sequence[str]) -> None:
    conn.executemany(_INSERT_CASE_PHOTO, [(case_id, seq, s) for s in dict.fromkeys(shas)])


def insert_missed(conn: sqlite3.Connection, case_id: int, now: float, grid: str | None,
                  who: Sequence[tuple[str, float]]) -> None:
    conn.executemany(_INSERT_MISSED, [(case_id, w, ts, now, grid) for w, ts in who])
