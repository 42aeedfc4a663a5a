"""Case-loop fixtures: the real server with a token for every case role, on SQLite (the
default, in the test's data folder) and on PostgreSQL (a cluster of the session's own)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cases.catalog import load_catalog
from cases.db.engine import Database, database_url
from cases.store import CaseStore
from cases.workcalendar import WorkCalendar
from tests.pgproc import PostgresProcess
from tests.serverkit import TOKENS, RunningServer, running_server

CASE_TOKENS = {
    **TOKENS,
    "inspector-token-g1a": "inspector:p-g1-a",
    "inspector-token-g1b": "inspector:p-g1-b",
    "operator-token-0001": "operator",
    "dispatcher-token-01": "dispatcher",
    "department-sanitation": "department:sanitation",
    "department-enforcement": "department:enforcement",
    "public-token-000001": "public",
}
INSPECTOR = "inspector-token-g1a"
INSPECTOR_B = "inspector-token-g1b"
OPERATOR = "operator-token-0001"
DISPATCHER = "dispatcher-token-01"
SANITATION = "department-sanitation"
ENFORCEMENT = "department-enforcement"
PUBLIC = "public-token-000001"
SUPERVISOR = "supervisor-token-01"
ADMIN = "admin-token-000001"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresProcess]:
    with PostgresProcess() as pg:
        yield pg


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    pg: PostgresProcess = request.getfixturevalue("postgres")
    return pg.new_database()


@pytest.fixture
async def srv(tmp_path: Path, database: str | None) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, tokens=CASE_TOKENS, database=database) as running:
        yield running


@pytest.fixture
async def store(tmp_path: Path, database: str | None) -> AsyncIterator[CaseStore]:
    """The store alone (no HTTP), for figures that need chosen times."""
    db = Database(database_url(database, tmp_path))
    await db.migrate()
    cal = WorkCalendar("Asia/Shanghai", [("08:30", "12:00"), ("14:00", "17:30")])
    yield CaseStore(db, load_catalog(), cal)
    await db.close()
