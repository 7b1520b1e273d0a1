"""per-producer daily rollups, filled from the fine rollups; open assignments by age

Revision ID: reports_2
Revises: replay_1
Create Date: 2026-12-01 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.tables import ROLLUP_COUNTS, ROLLUP_HISTOGRAM

revision = "reports_2"
down_revision = "replay_1"
branch_labels = None
depends_on = None

_FIGURES = (*ROLLUP_COUNTS, *ROLLUP_HISTOGRAM)


def upgrade() -> None:
    op.create_table(
        "lead_producer_rollups",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        *(sa.Column(n, sa.BigInteger(), nullable=False, server_default="0") for n in _FIGURES),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name="fk_lead_producer_rollups_agency_id_agencies"
        ),
        sa.PrimaryKeyConstraint(
            "agency_id", "day", "producer_id", name="pk_lead_producer_rollups"
        ),
        sqlite_with_rowid=False,
    )
    # The rows of the leads that exist already: the fine rollups summed per owner (the change
    # log not folded yet is folded into all three tables alike).
    columns = ", ".join(_FIGURES)
    sums = ", ".join(f"SUM({n})" for n in _FIGURES)
    op.execute(
        f"INSERT INTO lead_producer_rollups (agency_id, day, producer_id, {columns}) "
        f"SELECT agency_id, day, producer_id, {sums} FROM lead_rollups "
        "GROUP BY agency_id, day, producer_id"
    )

    op.create_index(
        "ix_assignments_agency_open_started",
        "assignments",
        ["agency_id", "started_at"],
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_agency_open_started", "assignments")
    op.drop_table("lead_producer_rollups")
