"""Idempotency keys: a retry gets the first response, byte for byte; a new body gets 409.

The record commits in the same transaction as the lead it answers for, so there is never a
lead without its record or a record without its lead. A record is kept for ``TTL``; after
that the key may be used afresh (as Stripe does).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict, FieldError, ValidationFailed
from leadrouter.intake import locks
from leadrouter.store.tables import idempotency_records

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class Recorded:
    status_code: int
    body: bytes


def check_key(key: str) -> None:
    """Refuse a key we could not store or compare: 1 to 200 visible ASCII characters."""
    if not _KEY.match(key):
        raise ValidationFailed(
            f"{HEADER} must be 1 to 200 visible ASCII characters",
            errors=[FieldError(HEADER, "must be 1 to 200 visible ASCII characters")],
        )


def digest(payload: Mapping[str, Any]) -> str:
    """A fingerprint of the request body that ignores key order and spacing."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


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
