"""Alembic's migrations build exactly the tables cases/db/schema.py describes, on SQLite and
on PostgreSQL, and running them again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from cases.db.engine import Database, async_url
from cases.db.schema import metadata


def _diff(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


async def test_migrations_match_the_schema(tmp_path: Path, database: str | None) -> None:
    db = Database(async_url(database, tmp_path))
    try:
        await db.migrate()
        await db.migrate()  # at head: nothing to do
        async with db.read() as conn:
            diff = await conn.run_sync(_diff)
            version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                       ).scalar()
        assert diff == []
        assert version == "0001"
        if database is None:
            async with db.read() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            assert mode == "wal"
    finally:
        await db.close()
