"""Transaction-scoped locks: the agency's routing lock and locks on names.

On PostgreSQL both are advisory locks held until the transaction ends: the routing lock in
its own namespace (``ROUTING_LOCK``, agency id), named locks on a 64-bit hash of each name,
taken in sorted order so no two transactions wait on each other in a cycle. On SQLite every
writer already holds the database lock from ``BEGIN IMMEDIATE``, so there is nothing more
to take.

Lock order, everywhere: contact and idempotency-key locks (intake), then the agency's
routing lock, then rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

ROUTING_LOCK = 1  # the advisory-lock namespace of routing; named locks use the one-key form

_LOCK_AGENCY = sa.text("SELECT pg_advisory_xact_lock(:c, :a)")


def lock_agency(conn: sa.Connection, agency_id: int) -> None:
    """Hold the agency's routing lock until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_AGENCY, {"c": ROUTING_LOCK, "a": agency_id})


def lock_key(name: str) -> int:
    """A signed 64-bit key for a lock name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_columns(count: int) -> list[sa.ColumnElement[Any]]:
    """PostgreSQL select-list items that take ``count`` named locks (bound as ``lock_<i>``),
    so a read that does not depend on them can take them in the same round trip."""
    return [
        sa.func.pg_advisory_xact_lock(sa.bindparam(f"lock_{i}", type_=sa.BigInteger))
        for i in range(count)
    ]


def lock_params(names: Iterable[str]) -> dict[str, int]:
    """The ``lock_<i>`` values of ``lock_columns`` for these names, in lock order."""
    return {f"lock_{i}": k for i, k in enumerate(sorted({lock_key(n) for n in names}))}


def hold(conn: sa.Connection, names: Iterable[str]) -> None:
    """Hold a lock on each name until the transaction ends."""
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({lock_key(n) for n in names})
    if not keys:
        return
    calls = ", ".join(f"pg_advisory_xact_lock(:k{i})" for i in range(len(keys)))
    conn.execute(sa.text(f"SELECT {calls}"), {f"k{i}": k for i, k in enumerate(keys)})
