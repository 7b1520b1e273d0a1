"""routing_locked_state: the agency's routing lock and a decision's state in one statement

Revision ID: route_1
Revises: reports_2
Create Date: 2026-12-02 10:20:00

A new lead's routing used to take the agency's lock in the statement that stored the lead,
so that the state read in the next statement was taken after the lock was granted (in READ
COMMITTED a statement reads from a snapshot taken when it starts). This PL/pgSQL function
takes the lock and then reads: a VOLATILE function takes a fresh snapshot for each query it
runs, so the read sees every decision committed before the lock was granted. The lead's
insert, and the wait for its answer, are then no longer under the lock.

The query is ``store.decision_state``'s (``_decision_state_query``), written out; a test
checks that both answer alike. PostgreSQL only: on SQLite a writer holds the database.
"""

from __future__ import annotations

from alembic import op

revision = "route_1"
down_revision = "reports_2"
branch_labels = None
depends_on = None

_CREATE = """
CREATE FUNCTION routing_locked_state(
    p_namespace integer, p_agency integer, p_d0 date, p_d1 date, p_d2 date
) RETURNS TABLE (kind varchar, a integer, b integer, s varchar, t varchar)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    PERFORM pg_advisory_xact_lock(p_namespace, p_agency);
    RETURN QUERY
    SELECT 'v'::varchar,
           (SELECT rv.version FROM roster_versions rv WHERE rv.agency_id = p_agency),
           (SELECT max(po.version) FROM policies po WHERE po.agency_id = p_agency),
           (SELECT max(pm.version) FROM propensity_models pm
             WHERE pm.agency_id = p_agency)::varchar,
           NULL::varchar
    UNION ALL
    (SELECT 'h'::varchar, d.seq, NULL::integer, d.hash::varchar, NULL::varchar
       FROM decisions d WHERE d.agency_id = p_agency ORDER BY d.seq DESC LIMIT 1)
    UNION ALL
    SELECT 'p'::varchar, NULL::integer, NULL::integer, NULL::varchar,
           string_agg(pr.id::varchar || ':' || pr.open_count::varchar, ',')::varchar
      FROM producers pr WHERE pr.agency_id = p_agency
    UNION ALL
    SELECT 'd'::varchar, NULL::integer, NULL::integer, NULL::varchar,
           string_agg(c.producer_id::varchar || ':' || c.day::varchar || ':'
                      || c.count::varchar, ',')::varchar
      FROM producers pr JOIN producer_day_counts c ON c.producer_id = pr.id
     WHERE pr.agency_id = p_agency AND c.day IN (p_d0, p_d1, p_d2)
    UNION ALL
    SELECT 'r'::varchar, NULL::integer, NULL::integer, rc.pool::varchar,
           string_agg(rc.producer_id::varchar || ':' || rc.count::varchar, ',')::varchar
      FROM rotation_counters rc WHERE rc.agency_id = p_agency GROUP BY rc.pool;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION routing_locked_state(integer, integer, date, date, date)")
