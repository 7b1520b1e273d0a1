"""outcomes kept on the lead (quote, bind, policy, commission, loss reason), escalations, and
the indexes the reports read by

Revision ID: reports_1
Revises: 0003
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.types import UTCDateTime

revision = "reports_1"
down_revision = "0003"
branch_labels = None
depends_on = None

_LEAD_COLUMNS = (
    ("quoted_at", UTCDateTime(timezone=True)),
    ("quoted_premium", sa.Numeric(12, 2)),
    ("bound_at", UTCDateTime(timezone=True)),
    ("policy_number", sa.String(100)),
    ("commission", sa.Numeric(12, 2)),
    ("lost_reason", sa.String(50)),
)


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        for name, type_ in _LEAD_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    # Leads bound or quoted before these columns existed: their times come from the history.
    for status, column in (("quoted", "quoted_at"), ("bound", "bound_at")):
        op.execute(f"""
            UPDATE leads SET {column} = (
                SELECT MIN(c.at) FROM lead_status_changes c
                WHERE c.lead_id = leads.id AND c.status = '{status}'
            )
        """)
    op.execute("UPDATE leads SET quoted_at = bound_at WHERE quoted_at IS NULL")
    op.create_index("ix_leads_agency_created", "leads", ["agency_id", "created_at"])
    op.create_index("ix_assignments_agency_started", "assignments", ["agency_id", "started_at"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name="fk_escalations_agency_id_agencies"
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_escalations_lead_id_leads"),
        sa.PrimaryKeyConstraint("id", name="pk_escalations"),
        sa.UniqueConstraint("assignment_id", "step", name="uq_escalations_assignment_id_step"),
    )
    op.create_index("ix_escalations_agency_id", "escalations", ["agency_id"])
    op.create_index("ix_escalations_lead_id", "escalations", ["lead_id"])
    op.create_index("ix_escalations_agency_at", "escalations", ["agency_id", "at"])


def downgrade() -> None:
    op.drop_table("escalations")
    op.drop_index("ix_assignments_agency_started", "assignments")
    op.drop_index("ix_leads_agency_created", "leads")
    with op.batch_alter_table("leads") as batch:
        for name, _ in reversed(_LEAD_COLUMNS):
            batch.drop_column(name)
