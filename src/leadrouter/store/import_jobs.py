"""The rows of import jobs: create, claim under a lease, record progress, find the stranded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.roster_repo import Row
from leadrouter.store.tables import import_jobs

ACTIVE = ("queued", "validating", "applying")


def insert(
    conn: sa.Connection,
    *,
    agency_id: int,
    kind: str,
    data: bytes,
    rows_total: int,
    skip_bad_rows: bool,
    verified_by: str | None,
    owner: str,
    lease_until: datetime,
    now: datetime,
) -> int:
    """A queued job, held by ``owner`` until ``lease_until`` (so it starts it itself)."""
    return int(
        conn.execute(
            import_jobs.insert()
            .values(
                agency_id=agency_id,
                kind=kind,
                state="queued",
                skip_bad_rows=skip_bad_rows,
                verified_by=verified_by,
                data=data,
                rows_total=rows_total,
                rows_done=0,
                applied_through_line=0,
                created=0,
                updated=0,
                skipped=0,
                error_count=0,
                errors=[],
                ignored_columns=[],
                attempts=0,
                owner=owner,
                lease_until=lease_until,
                created_at=now,
                updated_at=now,
            )
            .returning(import_jobs.c.id)
        ).scalar_one()
    )


def claim(
    conn: sa.Connection, job_id: int, *, owner: str, lease_until: datetime, now: datetime
) -> bool:
    """Take the job if it is unfinished and ours already or its holder's lease has passed."""
    c = import_jobs.c
    taken = conn.execute(
        import_jobs.update()
        .where(
            c.id == job_id,
            c.state.in_(ACTIVE),
            sa.or_(c.owner == owner, c.lease_until.is_(None), c.lease_until < now),
        )
        .values(owner=owner, lease_until=lease_until, attempts=c.attempts + 1, updated_at=now)
    )
    return taken.rowcount == 1


def update(conn: sa.Connection, job_id: int, owner: str, **values: Any) -> bool:
    """Change the job while ``owner`` still holds it; False when another runner took it."""
    c = import_jobs.c
    done = conn.execute(
        import_jobs.update().where(c.id == job_id, c.owner == owner).values(**values)
    )
    return done.rowcount == 1


def get(conn: sa.Connection, job_id: int, *, agency_id: int | None = None) -> Row | None:
    """One job (without its file), of ``agency_id`` when given."""
    columns = [col for col in import_jobs.c if col.name != "data"]
    query = sa.select(*columns).where(import_jobs.c.id == job_id)
    if agency_id is not None:
        query = query.where(import_jobs.c.agency_id == agency_id)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def data_of(conn: sa.Connection, job_id: int) -> bytes:
    """The uploaded file of a job."""
    return bytes(
        conn.execute(sa.select(import_jobs.c.data).where(import_jobs.c.id == job_id)).scalar_one()
    )


def stranded(conn: sa.Connection, *, now: datetime, limit: int = 10) -> list[int]:
    """Unfinished jobs whose runner's lease has passed: it died, or never started."""
    c = import_jobs.c
    query = (
        sa.select(c.id)
        .where(c.state.in_(ACTIVE), sa.or_(c.lease_until.is_(None), c.lease_until < now))
        .order_by(c.id)
        .limit(limit)
    )
    return [int(i) for i in conn.execute(query).scalars()]
