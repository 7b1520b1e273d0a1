"""Lead sources: where leads come from, what each costs, which fields each must send."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict
from leadrouter.paging import Page, page
from leadrouter.roster.specs import SourceSpec
from leadrouter.services.roster.common import (
    check,
    clash,
    conflicts_as,
    fetch,
    merged,
    remove_row,
)
from leadrouter.store.roster_records import SourceRecord, source_record
from leadrouter.store.roster_repo import source_spec, source_values
from leadrouter.store.tables import lead_sources
from leadrouter.store.uow import UnitOfWork


def _checked(conn: sa.Connection, agency_id: int, spec: SourceSpec, self_id: int | None) -> None:
    check(spec, "lead source")
    other = clash(conn, lead_sources, agency_id, self_id, lead_sources.c.name == spec.name)
    if other is not None:
        raise Conflict(f"lead source {other} is already named {spec.name!r}")


def create_source(
    *, uow: UnitOfWork, agency_id: int, spec: SourceSpec, now: datetime
) -> SourceRecord:
    """Add a lead source; Conflict when the agency already has one of that name."""
    with uow:
        conn = uow.conn
        _checked(conn, agency_id, spec, None)
        with conflicts_as(f"a lead source named {spec.name!r} already exists"):
            new_id = conn.execute(
                lead_sources.insert()
                .values(agency_id=agency_id, created_at=now, **source_values(spec))
                .returning(lead_sources.c.id)
            ).scalar_one()
        record = source_record(fetch(conn, lead_sources, agency_id, new_id, "lead source"))
        uow.commit()
    return record


def update_source(
    *, uow: UnitOfWork, agency_id: int, source_id: int, changes: Mapping[str, Any]
) -> SourceRecord:
    """Change some fields of a lead source."""
    with uow:
        conn = uow.conn
        current = fetch(conn, lead_sources, agency_id, source_id, "lead source")
        spec = merged(source_spec(current), changes)
        _checked(conn, agency_id, spec, source_id)
        with conflicts_as(f"a lead source named {spec.name!r} already exists"):
            conn.execute(
                lead_sources.update()
                .where(lead_sources.c.id == source_id)
                .values(**source_values(spec))
            )
        record = source_record(fetch(conn, lead_sources, agency_id, source_id, "lead source"))
        uow.commit()
    return record


def get_source(*, uow: UnitOfWork, agency_id: int, source_id: int) -> SourceRecord:
    """One lead source of the agency."""
    with uow:
        return source_record(fetch(uow.conn, lead_sources, agency_id, source_id, "lead source"))


def list_sources(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 100
) -> Page[SourceRecord]:
    """The agency's lead sources in id order."""
    query = sa.select(lead_sources).where(lead_sources.c.agency_id == agency_id)
    with uow:
        return page(
            uow.conn,
            query,
            lead_sources,
            kind="source",
            cursor=cursor,
            limit=limit,
            build=source_record,
        )


def delete_source(*, uow: UnitOfWork, agency_id: int, source_id: int) -> None:
    """Remove a lead source; refused once leads came from it (deactivate it instead)."""
    remove_row(
        uow=uow,
        table=lead_sources,
        agency_id=agency_id,
        row_id=source_id,
        noun="lead source",
        in_use=f"lead source {source_id} has leads; set active=false instead",
        routing_reads_it=False,
    )
