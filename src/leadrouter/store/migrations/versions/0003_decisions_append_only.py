"""decisions are append-only: the database refuses UPDATE and DELETE on them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "decisions are append-only"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION leadrouter_refuse_decision_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
            FOR EACH ROW EXECUTE FUNCTION leadrouter_refuse_decision_change()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER decisions_no_{event.lower()} BEFORE {event} ON decisions
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER decisions_append_only ON decisions")
        op.execute("DROP FUNCTION leadrouter_refuse_decision_change()")
    else:
        op.execute("DROP TRIGGER decisions_no_update")
        op.execute("DROP TRIGGER decisions_no_delete")
