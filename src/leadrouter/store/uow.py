"""The unit of work: one database transaction that a service opens, commits or abandons.

Its repositories (``uow.leads``, ``uow.assignments``, ``uow.outbox``, ``uow.history``,
``uow.decisions``, ``uow.idempotency``) hold the SQL; services call them and read like their
docstrings.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadrouter.errors import Unavailable
from leadrouter.store.assignments import AssignmentRepository
from leadrouter.store.audit import DecisionChain
from leadrouter.store.db import BUSY_TIMEOUT_SECONDS, READONLY_OPTION, sqlite_writer_lock
from leadrouter.store.idempotency import IdempotencyRecords
from leadrouter.store.leads import LeadRepository, StatusRows
from leadrouter.store.outbox import OutboxRepository

# A reader on PostgreSQL sees one snapshot for its whole transaction, as on SQLite: a report
# that reads the rollups and then the log not folded yet cannot miss (or count twice) a batch
# the worker folds between the two statements. Read-only, it never fails to serialize.
# A read-only unit of work on PostgreSQL: one snapshot, and writes refused (BEGIN READ ONLY),
# so it can end with COMMIT. A ROLLBACK would make psycopg forget the statements it prepared
# on the connection, and every request would plan its statements again.
_SNAPSHOT: dict[str, dict[str, Any]] = {
    "postgresql": {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
}


class UnitOfWork:
    """``with uow: ...; uow.commit()``; leaving the block without commit rolls back."""

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._conn: sa.Connection | None = None
        self._outbox: OutboxRepository | None = None
        self._history: StatusRows | None = None
        self._writer_lock = None if readonly else sqlite_writer_lock(engine)

    @property
    def conn(self) -> sa.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def reader(self) -> UnitOfWork:
        """A read-only unit of work on the same database (a look before writing)."""
        return UnitOfWork(self._engine, readonly=True)

    @property
    def leads(self) -> LeadRepository:
        """Leads and their status history and touches."""
        return LeadRepository(self.conn)

    @property
    def assignments(self) -> AssignmentRepository:
        """Who holds which lead, and since when."""
        return AssignmentRepository(self.conn)

    @property
    def decisions(self) -> DecisionChain:
        """The agency's hash-chained decision log."""
        return DecisionChain(self.conn)

    @property
    def idempotency(self) -> IdempotencyRecords:
        """The first answers given under idempotency keys."""
        return IdempotencyRecords(self.conn)

    @property
    def outbox(self) -> OutboxRepository:
        """Messages staged in this transaction; written at ``flush`` or at commit."""
        if self._outbox is None:
            self._outbox = OutboxRepository(self.conn)
        return self._outbox

    @property
    def history(self) -> StatusRows:
        """Status-history rows staged in this transaction; written at ``flush`` or at commit."""
        if self._history is None:
            self._history = StatusRows(self.conn)
        return self._history

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
            conn = conn.execution_options(
                **{READONLY_OPTION: True, **_SNAPSHOT.get(conn.dialect.name, {})}
            )
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
                if self._readonly and exc_type is None and conn.dialect.name == "postgresql":
                    conn.commit()  # nothing to undo: writes were refused (see _SNAPSHOT)
                else:
                    conn.rollback()
        finally:
            conn.close()
            self._conn = None
            self._outbox = None
            self._history = None
            self._release()

    def commit(self) -> None:
        """Write what the status history and the outbox still hold, then commit. (The
        rollups' change log that the leads' triggers filled is folded by the worker, not
        here: see ``store.rollups``.)"""
        if self._history is not None:
            self._history.flush()
        if self._outbox is not None:
            self._outbox.flush()
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()
