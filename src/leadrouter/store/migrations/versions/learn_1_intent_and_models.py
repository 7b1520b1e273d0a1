"""intent score on leads, intent rubric versions, propensity model versions

Revision ID: learn_1
Revises: reports_1
Create Date: 2026-12-01 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.types import UTCDateTime

revision = "learn_1"
down_revision = "reports_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("intent_source", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("predicted_conversion", sa.Float(), nullable=True))
    op.create_table(
        "intent_rubrics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trained_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "version"),
    )
    op.create_index("ix_intent_rubrics_agency_id", "intent_rubrics", ["agency_id"])
    op.create_table(
        "propensity_models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trained_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "version"),
    )
    op.create_index("ix_propensity_models_agency_id", "propensity_models", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_propensity_models_agency_id", table_name="propensity_models")
    op.drop_table("propensity_models")
    op.drop_index("ix_intent_rubrics_agency_id", table_name="intent_rubrics")
    op.drop_table("intent_rubrics")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("predicted_conversion")
        batch_op.drop_column("intent_source")
        batch_op.drop_column("intent_score")
