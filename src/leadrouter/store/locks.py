"""Per-agency serialization of decisions that read-then-write shared counters.

On PostgreSQL a transaction-scoped advisory lock; on SQLite every writer already holds the
database lock from BEGIN IMMEDIATE, so there is nothing more to take.
"""

from __future__ import annotations

import sqlalchemy as sa

ROUTING_LOCK = 1


def lock_agency(conn: sa.Connection, agency_id: int, *, lock_class: int = ROUTING_LOCK) -> None:
    """Hold the agency's routing lock until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:c, :a)"), {"c": lock_class, "a": agency_id}
        )
