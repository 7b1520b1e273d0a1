"""producer presence and live calls

Revision ID: calls_1
Revises: house_1
Create Date: 2026-12-01 11:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.types import UTCDateTime

revision = "calls_1"
down_revision = "house_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "presence", sa.String(length=16), nullable=False, server_default="available"
            )
        )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=40), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("tried", sa.JSON(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "call_sid"),
    )
    op.create_index("ix_calls_agency_id", "calls", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_calls_agency_id", table_name="calls")
    op.drop_table("calls")
    with op.batch_alter_table("producers", schema=None) as batch_op:
        batch_op.drop_column("presence")
