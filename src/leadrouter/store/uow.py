"""The unit of work: one database transaction that a service opens, commits or abandons."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadrouter.errors import Unavailable
from leadrouter.store.db import BUSY_TIMEOUT_SECONDS, READONLY_OPTION, sqlite_writer_lock


class UnitOfWork:
    """``with uow: ...; uow.commit()``; leaving the block without commit rolls back."""

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._conn: sa.Connection | None = None
        self._writer_lock = None if readonly else sqlite_writer_lock(engine)

    @property
    def conn(self) -> sa.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        if self._writer_lock is not None and not self._writer_lock.acquire(
            timeout=BUSY_TIMEOUT_SECONDS
        ):
            raise Unavailable("the database is busy; try again shortly", retry_after=2)
        try:
            self._open()
        except BaseException:
            self._release()
            raise
        return self

    def _open(self) -> None:
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(**{READONLY_OPTION: True})
        self._conn = conn
        conn.begin()

    def _release(self) -> None:
        if self._writer_lock is not None:
            self._writer_lock.release()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.conn
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._conn = None
            self._release()

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()
