"""agencies.webhooks_version: bumped by every change to the agency's webhook endpoints, so a
process may keep the endpoints cached and read only the version per lead

Revision ID: house_1
Revises: people_1
Create Date: 2026-12-01 11:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "house_1"
down_revision = "people_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(
            sa.Column("webhooks_version", sa.Integer, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("webhooks_version")
