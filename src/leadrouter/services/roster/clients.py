"""Existing clients of the agency (an AMS export), so a lead from one goes to its owner."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict
from leadrouter.paging import Page, page, where_given
from leadrouter.roster.specs import ClientSpec
from leadrouter.services.roster.common import (
    check,
    check_producer_refs,
    clash,
    fail_if,
    fetch,
    merged,
    remove_row,
)
from leadrouter.store.roster_records import ClientRecord, client_record
from leadrouter.store.roster_repo import client_spec, client_values
from leadrouter.store.tables import clients
from leadrouter.store.uow import UnitOfWork


def _checked(conn: sa.Connection, agency_id: int, spec: ClientSpec, self_id: int | None) -> None:
    check(spec, "client")
    refs = {"owner_producer_id": spec.owner_producer_id, "csr_producer_id": spec.csr_producer_id}
    fail_if(check_producer_refs(conn, agency_id, refs), "client")
    if spec.external_id is None:
        return
    other = clash(conn, clients, agency_id, self_id, clients.c.external_id == spec.external_id)
    if other is not None:
        raise Conflict(f"client {other} already has external id {spec.external_id!r}")


def create_client(
    *, uow: UnitOfWork, agency_id: int, spec: ClientSpec, now: datetime
) -> ClientRecord:
    """Add an existing client; Conflict when its external id is taken."""
    with uow:
        conn = uow.conn
        _checked(conn, agency_id, spec, None)
        new_id = conn.execute(
            clients.insert()
            .values(agency_id=agency_id, created_at=now, **client_values(spec))
            .returning(clients.c.id)
        ).scalar_one()
        record = client_record(fetch(conn, clients, agency_id, new_id, "client"))
        uow.commit()
    return record


def update_client(
    *, uow: UnitOfWork, agency_id: int, client_id: int, changes: Mapping[str, Any]
) -> ClientRecord:
    """Change some fields of a client."""
    with uow:
        conn = uow.conn
        spec = merged(client_spec(fetch(conn, clients, agency_id, client_id, "client")), changes)
        _checked(conn, agency_id, spec, client_id)
        conn.execute(
            clients.update().where(clients.c.id == client_id).values(**client_values(spec))
        )
        record = client_record(fetch(conn, clients, agency_id, client_id, "client"))
        uow.commit()
    return record


def get_client(*, uow: UnitOfWork, agency_id: int, client_id: int) -> ClientRecord:
    """One client of the agency."""
    with uow:
        return client_record(fetch(uow.conn, clients, agency_id, client_id, "client"))


def list_clients(
    *,
    uow: UnitOfWork,
    agency_id: int,
    owner_producer_id: int | None = None,
    phone: str | None = None,
    email: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ClientRecord]:
    """The agency's clients in id order; ``phone``/``email`` must be normalized already."""
    query = sa.select(clients).where(clients.c.agency_id == agency_id)
    query = where_given(
        query,
        (clients.c.owner_producer_id, owner_producer_id),
        (clients.c.phone, phone),
        (clients.c.email, email),
    )
    with uow:
        return page(
            uow.conn, query, clients, kind="client", cursor=cursor, limit=limit, build=client_record
        )


def delete_client(*, uow: UnitOfWork, agency_id: int, client_id: int) -> None:
    """Remove a client; refused while leads refer to it."""
    remove_row(
        uow=uow,
        table=clients,
        agency_id=agency_id,
        row_id=client_id,
        noun="client",
        in_use=f"client {client_id} has leads; it cannot be removed",
        routing_reads_it=False,
    )
