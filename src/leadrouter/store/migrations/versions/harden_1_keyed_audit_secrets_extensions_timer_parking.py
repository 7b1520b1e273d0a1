"""hardening: keyed audit chain (chain_version) and signed checkpoints, webhook secret
rotation overlap, phone extensions, timer rows parked after repeated failures

Revision ID: harden_1
Revises: learn_1
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.types import UTCDateTime

revision = "harden_1"
down_revision = "learn_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite keeps the append-only triggers of decisions.
    # Records written before this are version 1 (unkeyed SHA-256) and stay verifiable.
    op.add_column(
        "decisions",
        sa.Column("chain_version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False, index=True
        ),
        sa.Column("head_seq", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
    )
    op.add_column("leads", sa.Column("phone_extension", sa.String(10), nullable=True))
    with op.batch_alter_table("webhook_endpoints") as batch:  # no triggers to lose here
        batch.add_column(sa.Column("previous_secret", sa.String(500), nullable=True))
        batch.add_column(sa.Column("previous_secret_until", UTCDateTime(), nullable=True))
        batch.alter_column(
            "secret", type_=sa.String(500), existing_type=sa.String(128), existing_nullable=False
        )
    op.add_column(
        "assignments",
        sa.Column("timer_failures", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("assignments", "timer_failures")
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_secret")
    op.drop_column("leads", "phone_extension")
    op.drop_table("audit_checkpoints")
    op.drop_column("decisions", "chain_version")
