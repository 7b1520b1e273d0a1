"""Engines: SQLite in WAL mode by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

READONLY_OPTION = "leadrouter_readonly"
# How long a writer waits for SQLite's lock before the request is answered 503 (Retry-After)
# rather than hanging: long enough for any ordinary transaction, short of client timeouts.
BUSY_TIMEOUT_SECONDS = 10


def normalize_url(url: str) -> str:
    """Point bare ``postgresql://`` URLs at psycopg 3, the driver we ship."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


_WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITER_LOCKS_GUARD = threading.Lock()


def sqlite_writer_lock(engine: Engine) -> threading.RLock | None:
    """The lock this process's SQLite writers queue on; None for other databases.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps (up to
    100 ms each), which ruins tail latency; writers of one process wait here instead and are
    woken the moment the previous one finishes. Other processes still meet the busy timeout.
    """
    if engine.dialect.name != "sqlite":
        return None
    with _WRITER_LOCKS_GUARD:
        lock = _WRITER_LOCKS.get(engine)
        if lock is None:
            lock = _WRITER_LOCKS[engine] = threading.RLock()
        return lock


# Pages the write-ahead log may hold before ``restart_sqlite_wal`` starts it over (SQLite's
# own automatic checkpoint threshold).
WAL_RESTART_PAGES = 1000


def restart_sqlite_wal(engine: Engine, *, wait_ms: int) -> bool:
    """Copy SQLite's write-ahead log into the database and start it over (truncated, so the
    file's size says what the log holds) if it has grown past ``WAL_RESTART_PAGES``, waiting
    at most ``wait_ms`` for readers; True when it restarted.

    With readers and writers always overlapping (a busy server) the log is never started over
    by itself: it grows without end and every commit then copies pages and syncs the file.
    A process writing much (an import job) calls this between its transactions. The copy
    runs first without blocking writers; the restart then holds writers off only while the
    readers that started before it finish, at most ``wait_ms``.
    """
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run in one
    try:
        cur = raw.cursor()
        _busy, pages, _copied = cur.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages < WAL_RESTART_PAGES:
            return False
        cur.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
        try:
            busy, _pages, _copied = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        return not busy
    finally:
        raw.close()


def upsert_insert(conn: sa.Connection) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT on PostgreSQL and SQLite alike."""
    return upsert_insert_for(conn.dialect.name)


def upsert_insert_for(dialect: str) -> Any:
    """``upsert_insert`` by the dialect's name (for statements built once per dialect)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_ignoring_conflict(
    conn: sa.Connection, table: sa.Table, values: Mapping[str, Any], unique: list[str]
) -> int | None:
    """Insert a row and return its id, or None when a row with the same ``unique`` exists."""
    stmt = (
        upsert_insert(conn)(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(table.c.id)
    )
    inserted = conn.execute(stmt).scalar()
    return None if inserted is None else int(inserted)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for leadrouter's transactions on either database.

    Its errors never quote SQL parameters (a phone, an email): they end up in logs.
    """
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            hide_parameters=True,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    keep_long_statements_converted()
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


# Bounds on what psycopg keeps of a statement's conversion (see below); ours stay far inside.
CONVERTED_STATEMENT_CHARS = 32_768
CONVERTED_STATEMENT_PARAMETERS = 256


def keep_long_statements_converted() -> None:
    """Let psycopg keep the conversion of every statement we send, long ones included.

    psycopg turns a statement's ``%(name)s`` placeholders into PostgreSQL's ``$n`` by parsing
    its text, and keeps the result (a bounded LRU) only for statements of at most 4,096
    characters and 50 parameters. An assigned decision's one statement (``assigned_writes``)
    is longer, so it was parsed again for every lead, under the agency's lock: about 1 ms of
    CPU time a lead. psycopg reads both bounds from its ``_queries`` module when it converts;
    a test checks that nothing on the hot path is converted again after warm-up, so a
    psycopg that moves them fails it rather than silently slowing down.
    """
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(
        _queries.MAX_CACHED_STATEMENT_LENGTH, CONVERTED_STATEMENT_CHARS
    )
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(
        _queries.MAX_CACHED_STATEMENT_PARAMS, CONVERTED_STATEMENT_PARAMETERS
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves so that writers take the lock up front (no upgrade deadlocks).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        readonly = conn.get_execution_options().get(READONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")
