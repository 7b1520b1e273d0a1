"""calls: the producers ringing now, the ring count and the call's line of business

Revision ID: calls2_1
Revises: calls_1
Create Date: 2026-12-01 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "calls2_1"
down_revision = "calls_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ringing", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("rings", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("line", sa.JSON(), nullable=True))
    op.create_index("ix_calls_agency_status", "calls", ["agency_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_calls_agency_status", table_name="calls")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("line")
        batch_op.drop_column("rings")
        batch_op.drop_column("ringing")
