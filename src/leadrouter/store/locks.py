"""Per-agency serialization of decisions that read-then-write shared counters.

On PostgreSQL a transaction-scoped advisory lock; on SQLite every writer already holds the
database lock from BEGIN IMMEDIATE, so there is nothing more to take.
"""

from __future__ import annotations

import sqlalchemy as sa

ROUTING_LOCK = 1  # the advisory-lock namespace of routing (intake's contact locks use others)


def lock_agency(conn: sa.Connection, agency_id: int) -> None:
    """Hold the agency's routing lock until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:c, :a)"), {"c": ROUTING_LOCK, "a": agency_id}
        )
