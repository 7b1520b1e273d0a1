"""The triggers on ``leads`` that keep the rollups' change log, on SQLite and PostgreSQL.

A trigger sees every writer (a service, a bulk load, a hand-typed UPDATE) in the writer's own
transaction, so the log, and the rollups folded from it, cannot miss a change. An update that
leaves every figure column as it was writes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

# The lead columns the figures are made of (store/figures.py); a change to any other column
# (notes, flags, touches, timers) does not touch the rollups.
FIGURE_COLUMNS = (
    "agency_id",
    "created_at",
    "owner_id",
    "business_line",
    "intent_tier",
    "source_name",
    "status",
    "first_contact_at",
    "response_seconds",
    "quoted_at",
    "premium",
    "commission",
    "quoted_premium",
)
_LOG_COLUMNS = (
    "agency_id, lead_id, sign, created_at, owner_id, business_line, intent_tier, source_name, "
    "status, first_contact_at, response_seconds, quoted_at, premium_cents, commission_cents, "
    "quoted_premium_cents"
)


def _values(row: str, sign: int) -> str:
    def cents(column: str) -> str:
        return f"CAST(ROUND({row}.{column} * 100) AS BIGINT)"

    return (
        f"{row}.agency_id, {row}.id, {sign}, {row}.created_at, {row}.owner_id, "
        f"{row}.business_line, {row}.intent_tier, {row}.source_name, {row}.status, "
        f"{row}.first_contact_at, {row}.response_seconds, {row}.quoted_at, "
        f"{cents('premium')}, {cents('commission')}, {cents('quoted_premium')}"
    )


def _log(row: str, sign: int) -> str:
    return f"INSERT INTO lead_rollup_log ({_LOG_COLUMNS}) VALUES ({_values(row, sign)});"


def _changed(distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in FIGURE_COLUMNS)


_SQLITE = (
    f"CREATE TRIGGER leads_rollup_insert AFTER INSERT ON leads BEGIN {_log('NEW', 1)} END",
    f"CREATE TRIGGER leads_rollup_update AFTER UPDATE ON leads WHEN {_changed('IS NOT')} "
    f"BEGIN {_log('OLD', -1)} {_log('NEW', 1)} END",
    f"CREATE TRIGGER leads_rollup_delete AFTER DELETE ON leads BEGIN {_log('OLD', -1)} END",
)
_POSTGRES = (
    f"""CREATE FUNCTION leads_rollup_log() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {_log("OLD", -1)} END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN {_log("NEW", 1)} END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER leads_rollup_insert AFTER INSERT OR DELETE ON leads "
    "FOR EACH ROW EXECUTE FUNCTION leads_rollup_log()",
    f"CREATE TRIGGER leads_rollup_update AFTER UPDATE ON leads FOR EACH ROW "
    f"WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION leads_rollup_log()",
)


def create_triggers(conn: sa.Connection) -> None:
    """The log's triggers on ``leads`` (in the migration that creates the log)."""
    for statement in _POSTGRES if conn.dialect.name == "postgresql" else _SQLITE:
        conn.exec_driver_sql(statement)


def drop_triggers(conn: sa.Connection) -> None:
    """Remove them (the migration's downgrade)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS leads_rollup_update ON leads")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS leads_rollup_insert ON leads")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS leads_rollup_log()")
        return
    for name in ("insert", "update", "delete"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS leads_rollup_{name}")
