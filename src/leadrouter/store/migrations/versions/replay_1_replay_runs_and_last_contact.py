"""replay runs of the dashboard; leads by first contact

Revision ID: replay_1
Revises: imports_1
Create Date: 2026-12-01 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.types import UTCDateTime

revision = "replay_1"
down_revision = "imports_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_leads_agency_first_contact", "leads", ["agency_id", "first_contact_at"]
    )
    op.create_table(
        "replay_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("since", UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_replay_runs_agency_id", "replay_runs", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_replay_runs_agency_id", table_name="replay_runs")
    op.drop_table("replay_runs")
    op.drop_index("ix_leads_agency_first_contact", table_name="leads")
