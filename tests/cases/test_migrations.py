"""Alembic's migrations build exactly the tables cases/db/schema.py describes, on SQLite and
on PostgreSQL, and running them again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from cases.db.engine import Database, database_url
from cases.db.schema import metadata


def _diff(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


async def test_migrations_match_the_schema(tmp_path: Path, database: str | None) -> None:
    db = Database(database_url(database, tmp_path))
    try:
        await db.migrate()
        await db.migrate()  # at head: nothing to do
        assert await db.read(_diff) == []
        version = await db.read(lambda conn: conn.exec_driver_sql(
            "SELECT version_num FROM alembic_version").scalar())
        assert version == "0001"
        if database is None:
            mode = await db.read(lambda conn: conn.exec_driver_sql(
                "PRAGMA journal_mode").scalar())
            assert mode == "wal"
    finally:
        await db.close()
