"""import jobs: large CSV imports in chunks, with progress, resumable after a crash

Revision ID: imports_1
Revises: rollup_1
Create Date: 2026-12-01 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from leadrouter.store.types import UTCDateTime

revision = "imports_1"
down_revision = "rollup_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("skip_bad_rows", sa.Boolean(), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("applied_through_line", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("ignored_columns", sa.JSON(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name="fk_import_jobs_agency_id_agencies"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_import_jobs"),
    )
    op.create_index("ix_import_jobs_agency_id", "import_jobs", ["agency_id"])
    op.create_index("ix_import_jobs_state_lease_until", "import_jobs", ["state", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_import_jobs_state_lease_until", table_name="import_jobs")
    op.drop_index("ix_import_jobs_agency_id", table_name="import_jobs")
    op.drop_table("import_jobs")
