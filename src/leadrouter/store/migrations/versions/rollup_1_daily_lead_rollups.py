"""daily lead rollups, their change log kept by triggers on leads, and the indexes the
dashboard, portal and reports read by

Revision ID: rollup_1
Revises: repeat_1
Create Date: 2026-12-01 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.rollup_triggers import create_triggers, drop_triggers
from leadrouter.store.rollups import rebuild_rollups
from leadrouter.store.types import UTCDateTime

revision = "rollup_1"
down_revision = "repeat_1"
branch_labels = None
depends_on = None

_COUNTS = (
    "leads",
    "contacted",
    "within_5_min",
    "within_30_min",
    "response_seconds_total",
    "quoted",
    "bound",
    "lost",
    "premium_cents",
    "commission_cents",
    "quoted_premium_cents",
    "responded_5m",
    "responded_15m",
    "responded_30m",
    "responded_60m",
    "responded_4h",
    "responded_later",
)


def upgrade() -> None:
    op.create_table(
        "lead_rollups",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(length=20), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        *(sa.Column(n, sa.BigInteger(), nullable=False, server_default="0") for n in _COUNTS),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name="fk_lead_rollups_agency_id_agencies"
        ),
        sa.PrimaryKeyConstraint(
            "agency_id", "day", "producer_id", "line", "tier", "source", name="pk_lead_rollups"
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "lead_source_rollups",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        *(sa.Column(n, sa.BigInteger(), nullable=False, server_default="0") for n in _COUNTS),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name="fk_lead_source_rollups_agency_id_agencies"
        ),
        sa.PrimaryKeyConstraint("agency_id", "day", "source", name="pk_lead_source_rollups"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "lead_rollup_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("sign", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("business_line", sa.String(length=20), nullable=True),
        sa.Column("intent_tier", sa.String(length=10), nullable=True),
        sa.Column("source_name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_contact_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_seconds", sa.Integer(), nullable=True),
        sa.Column("quoted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("premium_cents", sa.BigInteger(), nullable=True),
        sa.Column("commission_cents", sa.BigInteger(), nullable=True),
        sa.Column("quoted_premium_cents", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lead_rollup_log"),
    )
    op.create_index("ix_lead_rollup_log_agency_id", "lead_rollup_log", ["agency_id"])
    op.create_index(
        "ix_leads_agency_created_response",
        "leads",
        [
            "agency_id",
            "created_at",
            "owner_id",
            "business_line",
            "intent_tier",
            "source_name",
            "response_seconds",
        ],
    )
    op.create_index(
        "ix_leads_agency_status_changed", "leads", ["agency_id", "status", "status_changed_at"]
    )
    op.create_index("ix_activities_agency_newest", "activities", ["agency_id", "id"])
    op.create_index("ix_leads_agency_newest", "leads", ["agency_id", "id"])
    op.create_index(
        "ix_assignments_agency_open",
        "assignments",
        ["agency_id", "producer_id"],
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    bind = op.get_bind()
    create_triggers(bind)
    # The rollups of the leads that exist already, computed from them in a few statements
    # (the per-producer ones come with their table, in a later revision).
    rebuild_rollups(bind, coarse=False)


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_index("ix_assignments_agency_open", "assignments")
    op.drop_index("ix_leads_agency_newest", "leads")
    op.drop_index("ix_activities_agency_newest", "activities")
    op.drop_index("ix_leads_agency_status_changed", "leads")
    op.drop_index("ix_leads_agency_created_response", "leads")
    op.drop_table("lead_rollup_log")
    op.drop_table("lead_source_rollups")
    op.drop_table("lead_rollups")
