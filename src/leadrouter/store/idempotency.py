"""Idempotency records: a retry gets the first response, byte for byte; a new body gets 409.

The record commits in the same transaction as the lead it answers for, so there is never a
lead without its record or a record without its lead. A record is kept for ``TTL``; after
that the key may be used afresh (as Stripe does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from leadrouter.errors import Conflict, FieldError
from leadrouter.intake.idempotency import HEADER
from leadrouter.store import locks
from leadrouter.store.tables import idempotency_records

TTL = timedelta(hours=24)


@dataclass(frozen=True)
class Recorded:
    status_code: int
    body: bytes


def replay(
    conn: sa.Connection, *, agency_id: int, key: str, request_digest: str, now: datetime
) -> Recorded | None:
    """The first response given under ``key`` (None if there is none); 409 for another body.

    Holds the key's lock until the transaction ends, so a concurrent retry waits for us.
    """
    locks.hold(conn, [f"idempotency:{agency_id}:{key}"])
    row = conn.execute(
        sa.select(
            idempotency_records.c.request_digest,
            idempotency_records.c.status_code,
            idempotency_records.c.body,
            idempotency_records.c.created_at,
        ).where(idempotency_records.c.agency_id == agency_id, idempotency_records.c.key == key)
    ).first()
    if row is None:
        return None
    if row.created_at <= now - TTL:
        conn.execute(
            idempotency_records.delete().where(
                idempotency_records.c.agency_id == agency_id, idempotency_records.c.key == key
            )
        )
        return None
    if row.request_digest != request_digest:
        raise Conflict(
            f"{HEADER} {key!r} was already used with a different request body",
            errors=[FieldError(HEADER, "was already used with a different request body")],
        )
    return Recorded(status_code=row.status_code, body=bytes(row.body))


def remember(
    conn: sa.Connection,
    *,
    agency_id: int,
    key: str,
    request_digest: str,
    response: Recorded,
    now: datetime,
) -> None:
    """Keep the response given under ``key`` (in the caller's transaction)."""
    conn.execute(
        idempotency_records.insert().values(
            agency_id=agency_id,
            key=key,
            request_digest=request_digest,
            status_code=response.status_code,
            body=response.body,
            created_at=now,
        )
    )


def purge(conn: sa.Connection, *, now: datetime) -> int:
    """Forget records older than ``TTL``; how many were forgotten (for a periodic worker)."""
    done = conn.execute(
        idempotency_records.delete().where(idempotency_records.c.created_at <= now - TTL)
    )
    return int(done.rowcount)


class IdempotencyRecords:
    """``replay``/``remember`` as a repository on the unit of work."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def replay(
        self, *, agency_id: int, key: str, request_digest: str, now: datetime
    ) -> Recorded | None:
        """The first response given under ``key`` (None if none); 409 for another body."""
        return replay(
            self._conn, agency_id=agency_id, key=key, request_digest=request_digest, now=now
        )

    def remember(
        self, *, agency_id: int, key: str, request_digest: str, response: Recorded, now: datetime
    ) -> None:
        """Keep the response given under ``key``."""
        remember(
            self._conn,
            agency_id=agency_id,
            key=key,
            request_digest=request_digest,
            response=response,
            now=now,
        )
