"""Transaction-scoped locks on names, so a check and the insert it guards cannot interleave.

PostgreSQL takes ``pg_advisory_xact_lock`` on a 64-bit hash of each name, in sorted order
(no two transactions can wait on each other in a cycle). On SQLite every writer already
holds the database lock from ``BEGIN IMMEDIATE``, so there is nothing more to take.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa


def lock_key(name: str) -> int:
    """A signed 64-bit key for a lock name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hold(conn: sa.Connection, names: Iterable[str]) -> None:
    """Hold a lock on each name until the transaction ends."""
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({lock_key(n) for n in names})
    if not keys:
        return
    calls = ", ".join(f"pg_advisory_xact_lock(:k{i})" for i in range(len(keys)))
    conn.execute(sa.text(f"SELECT {calls}"), {f"k{i}": k for i, k in enumerate(keys)})
