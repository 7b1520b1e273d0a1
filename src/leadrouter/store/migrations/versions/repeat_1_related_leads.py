"""leads.related_lead_id: a consumer's request for another line links to their earlier lead

Revision ID: repeat_1
Revises: calls2_1
Create Date: 2026-12-01 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "repeat_1"
down_revision = "calls2_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("related_lead_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_leads_related_lead_id_leads"), "leads", ["related_lead_id"], ["id"]
        )
        batch_op.create_index(
            "ix_leads_agency_related", ["agency_id", "related_lead_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_agency_related")
        batch_op.drop_constraint(batch_op.f("fk_leads_related_lead_id_leads"), type_="foreignkey")
        batch_op.drop_column("related_lead_id")
