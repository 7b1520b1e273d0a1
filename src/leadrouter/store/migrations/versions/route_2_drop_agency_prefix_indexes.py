"""drop the single-column agency_id indexes of leads and assignments

Revision ID: route_2
Revises: route_1
Create Date: 2026-12-02 10:50:00

Each is the first column of composite indexes on its table (``ix_leads_agency_created`` and
the other ``ix_leads_agency_*``; ``ix_assignments_agency_started``), which serve every lookup
by the agency alone. Each lead and each assignment wrote one more index entry for them: on
SQLite one more page in the write-ahead log per assigned lead for each, on PostgreSQL one
more index entry to insert, and for the lead's update under the agency's routing lock,
another.
"""

from __future__ import annotations

from alembic import op

revision = "route_2"
down_revision = "route_1"
branch_labels = None
depends_on = None

_DROPPED = (("ix_leads_agency_id", "leads"), ("ix_assignments_agency_id", "assignments"))


def upgrade() -> None:
    for name, table in _DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table in _DROPPED:
        op.create_index(name, table, ["agency_id"], unique=False)
