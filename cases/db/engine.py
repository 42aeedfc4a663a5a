"""Opening the case database: SQLite in the data folder by default (WAL), or PostgreSQL;
Alembic brings the schema to the newest revision at start.

Every read and every write is one function of a SQLAlchemy Connection, run whole:
  - PostgreSQL: on the async engine (asyncpg), `run_sync` in one transaction: each statement
    one round trip, the event loop never blocked;
  - SQLite: on a thread of its own, in one hop. aiosqlite would cost a thread hand-off for every
    cursor call (about 40 per case action, most of the action's time); SQLite has one writer
    anyway, so writes go through one thread and one connection (BEGIN IMMEDIATE: a
    read-then-write transaction never fails half-way on its lock upgrade), reads through two
    more (WAL: readers never wait for the writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
T = TypeVar("T")
Work = Callable[[Connection], T]
RawWork = Callable[[sqlite3.Connection], T]


def database_url(url: str | None, data_dir: str | Path) -> str:
    """postgresql://… → postgresql+asyncpg://…; sqlite:///… as it is; None → the SQLite file
    in the data folder."""
    if url is None:
        folder = Path(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(folder / 'cases.sqlite3').resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {parsed.drivername!r}: postgresql:// or sqlite://")


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


class _Busy(Exception):
    """Another writer holds the SQLite database: nothing was done on the loop."""


class Database:
    def __init__(self, url: str, sqlite_synchronous: str = "normal",
                 postgres_synchronous_commit: bool = True) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self._async: AsyncEngine | None = None
        self._sync: Engine | None = None
        if self.sqlite:
            self._sync = create_engine(url, poolclass=NullPool,
                                       connect_args={"check_same_thread": False})
            sync = sqlite_synchronous.upper()

            self._sqlite_sync = sync
            self._path = make_url(url).database or ":memory:"

            @event.listens_for(self._sync, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                self._pragmas(dbapi_conn)

            @event.listens_for(self._sync, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

            self._writer = ThreadPoolExecutor(1, thread_name_prefix="cases-write")
            self._readers = ThreadPoolExecutor(2, thread_name_prefix="cases-read")
            self._conns: dict[str, Connection] = {}  # one open connection per thread
            self._raw: dict[str, sqlite3.Connection] = {}  # the same, for write_raw/read_raw
            self._inline = sync not in ("FULL", "EXTRA")  # raw work on the loop's thread
            self._loop_conn: sqlite3.Connection | None = None
            self._unchecked = 0  # commits on the loop since the last checkpoint
            self._checkpoint: asyncio.Future[Any] | None = None
        else:
            # No pre-ping: it would cost a round trip per checkout; a connection that broke
            # (a database restart) fails its request once and is replaced (invalidated).
            settings = {} if postgres_synchronous_commit else {"synchronous_commit": "off"}
            self._async = create_async_engine(url, pool_size=10, max_overflow=10,
                                              connect_args={"server_settings": settings})

    def _pragmas(self, dbapi_conn: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={self._sqlite_sync}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")  # other processes on the file
        cur.close()

    @property
    def engine(self) -> AsyncEngine | Engine:
        engine = self._async or self._sync
        assert engine is not None
        return engine

    def _thread_conn(self, write: bool) -> Connection:
        name = threading.current_thread().name
        conn = self._conns.get(name)
        if conn is None or conn.closed:
            assert self._sync is not None
            conn = self._conns[name] = self._sync.connect()
            conn.info["write"] = write
        return conn

    def _in_thread(self, work: Work[T], write: bool) -> T:
        conn = self._thread_conn(write)
        try:
            with conn.begin():
                return work(conn)
        except BaseException:
            if conn.invalidated:
                conn.close()
            raise

    @staticmethod
    def _transaction(conn: sqlite3.Connection, work: RawWork[T], write: bool) -> T:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            out = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return out

    def _thread_raw(self) -> sqlite3.Connection:
        name = threading.current_thread().name
        conn = self._raw.get(name)
        if conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False)
            self._pragmas(conn)
            self._raw[name] = conn
        return conn

    def _raw_in_thread(self, work: RawWork[T], write: bool) -> T:
        return self._transaction(self._thread_raw(), work, write)

    def _on_loop(self, work: RawWork[T], write: bool) -> T:
        """`work` on the loop's thread; _Busy (nothing done) when another writer holds the
        database."""
        conn = self._loop_conn
        if conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False)
            self._pragmas(conn)
            conn.execute("PRAGMA busy_timeout=0")  # never wait on the loop
            conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints: _after_commit
            self._loop_conn = conn
        try:
            out = self._transaction(conn, work, write)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            # Busy at BEGIN (or a read's snapshot): nothing was written; the threads wait.
            raise _Busy from exc
        if write:
            self._after_commit()
        return out

    def _after_commit(self) -> None:
        """A passive checkpoint on the writer thread every 256 commits on the loop (SQLite's
        own would run in the committing connection: on the loop, with its fsyncs)."""
        self._unchecked += 1
        if self._unchecked < 256 or (self._checkpoint is not None
                                     and not self._checkpoint.done()):
            return
        self._unchecked = 0
        self._checkpoint = asyncio.get_running_loop().run_in_executor(
            self._writer, self._checkpoint_in_thread)

    def _checkpoint_in_thread(self) -> None:
        self._thread_raw().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def write_raw(self, work: RawWork[T]) -> T:
        """SQLite only: `work` of the sqlite3 connection in one write transaction (all of it
        lands, or none): on the loop's thread when the database is free, else on the
        writer thread."""
        return await self._run_raw(work, True)

    async def read_raw(self, work: RawWork[T]) -> T:
        return await self._run_raw(work, False)

    async def _run_raw(self, work: RawWork[T], write: bool) -> T:
        assert self.sqlite, "raw work is SQLite's"
        if self._inline:
            with contextlib.suppress(_Busy):
                return self._on_loop(work, write)
        pool = self._writer if write else self._readers
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, self._raw_in_thread, work, write)

    async def write(self, work: Work[T]) -> T:
        """Run `work` in one write transaction: all of it lands, or none."""
        if self._async is None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._writer, self._in_thread, work, True)
        async with self._async.begin() as conn:
            return await conn.run_sync(work)

    async def read(self, work: Work[T]) -> T:
        if self._async is None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._readers, self._in_thread, work, False)
        async with self._async.connect() as conn:
            return await conn.run_sync(work)

    async def once(self, work: Work[T]) -> T:
        """One statement, auto-committed (PostgreSQL: one round trip, no BEGIN/COMMIT)."""
        if self._async is None:
            return await self.write(work)
        async with self._async.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return await auto.run_sync(work)

    async def migrate(self) -> None:
        await self.write(upgrade)

    async def close(self) -> None:
        if self._async is not None:
            await self._async.dispose()
            return
        # Waits for what runs (never blocks long: a transaction is short), then closes every
        # thread's connection from here (check_same_thread off; the threads are gone).
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        if self._loop_conn is not None:
            self._loop_conn.close()
            self._loop_conn = None
        for conn in list(self._conns.values()):
            conn.close()
        self._conns.clear()
        for raw in list(self._raw.values()):
            raw.close()
        self._raw.clear()
        assert self._sync is not None
        self._sync.dispose()


def alembic_config(connection: Connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
