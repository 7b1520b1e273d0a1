"""An import job starts SQLite's write-ahead log over between its chunks (store/db.py), so a
busy server's log does not grow without end while a large file is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from leadrouter.store.db import WAL_RESTART_PAGES, make_engine, restart_sqlite_wal


def _log_pages(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


def test_a_grown_log_is_started_over_once_no_reader_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x BLOB)")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # a snapshot that pins the log
    for _ in range(WAL_RESTART_PAGES + 100):
        writer.execute("INSERT INTO t VALUES (randomblob(3000))")
    assert _log_pages(writer) > WAL_RESTART_PAGES

    assert restart_sqlite_wal(engine, wait_ms=20) is False  # gives up; never waits long
    reader.execute("COMMIT")
    assert restart_sqlite_wal(engine, wait_ms=20) is True

    assert path.with_name("wal.db-wal").stat().st_size == 0
    writer.execute("INSERT INTO t VALUES (randomblob(10))")
    assert _log_pages(writer) < 10  # written from the start of the log again
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] > WAL_RESTART_PAGES
    for conn in (reader, writer):
        conn.close()
    engine.dispose()


def test_a_small_log_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.commit()
    assert restart_sqlite_wal(engine, wait_ms=20) is False
    engine.dispose()
