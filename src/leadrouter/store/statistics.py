"""Planner statistics for the tables PostgreSQL has not analyzed yet.

Without statistics PostgreSQL's planner takes an equality on any column as 0.5% selective. On
a new database, where one agency holds every row, ``agency_id = 1`` matches all of them, yet
every index that starts with ``agency_id`` looks as cheap as the one that answers the
question: the dedupe lookup by phone walked an agency's leads by creation time, and an email
lookup of clients read the phone index. No query shape fixes that (a plain ``agency_id = ?
AND email = ?`` picks a wrong index too): only statistics do. Autovacuum's first ANALYZE of a
table waits for 50 changed rows and its next round (a minute by default, later under load);
the worker, and a load of many rows (the demo), analyze at once the tables of ours that hold
rows and were never analyzed. Once analyzed, autovacuum keeps their statistics fresh.
SQLite's planner prefers the index that matches more equalities without statistics.
"""

from __future__ import annotations

import sqlalchemy as sa

from leadrouter.store.tables import metadata

# The size of the table's file, not the statistics collector's row count: the first rows of
# a table are counted there only when their writer reports them, a second or more later.
_NEVER_ANALYZED = sa.text(
    "SELECT s.relname FROM pg_stat_user_tables s"
    " WHERE s.schemaname = current_schema() AND s.relname = ANY(:ours)"
    " AND s.last_analyze IS NULL AND s.last_autoanalyze IS NULL"
    " AND pg_relation_size(s.relid) > 0"
    " ORDER BY s.relname"
)


def analyze_new_tables(conn: sa.Connection) -> list[str]:
    """ANALYZE our tables that hold rows and were never analyzed (PostgreSQL); their names."""
    if conn.dialect.name != "postgresql":
        return []
    names = list(conn.execute(_NEVER_ANALYZED, {"ours": sorted(metadata.tables)}).scalars())
    for name in names:
        conn.exec_driver_sql(f'ANALYZE "{name}"')  # a name of our own metadata, never input
    return names
