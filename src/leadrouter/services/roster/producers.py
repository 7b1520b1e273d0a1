"""Producers of an agency: who sells, when they work, how much they take, who backs them up."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict, FieldError
from leadrouter.paging import Page, page, where_given
from leadrouter.roster.specs import ProducerSpec
from leadrouter.services.roster.common import (
    check,
    check_producer_refs,
    conflicts_as,
    delete_row,
    fail_if,
    fetch,
    merged,
)
from leadrouter.store.agency_repo import agency_timezone
from leadrouter.store.roster_records import ProducerRecord, producer_record
from leadrouter.store.roster_repo import bump_roster_version, producer_spec, producer_values
from leadrouter.store.tables import clients, licenses, producers, territories
from leadrouter.store.uow import UnitOfWork

_DUPLICATE = "a producer with this email or external id already exists"


def _refuse_duplicate(
    conn: sa.Connection, agency_id: int, spec: ProducerSpec, self_id: int | None
) -> None:
    same = producers.c.email == spec.email
    if spec.external_id is not None:
        same = sa.or_(same, producers.c.external_id == spec.external_id)
    query = sa.select(producers.c.id, producers.c.email).where(
        producers.c.agency_id == agency_id, same
    )
    if self_id is not None:
        query = query.where(producers.c.id != self_id)
    clash = conn.execute(query).first()
    if clash is not None:
        what = (
            f"email {spec.email}"
            if clash.email == spec.email
            else (f"external id {spec.external_id}")
        )
        raise Conflict(f"producer {clash.id} already has {what}")


def _check_refs(
    conn: sa.Connection, agency_id: int, spec: ProducerSpec, self_id: int | None
) -> None:
    if self_id is not None and spec.backup_producer_id == self_id:
        fail_if(
            [FieldError("backup_producer_id", "a producer cannot back up themselves")], "producer"
        )
    refs = {"backup_producer_id": spec.backup_producer_id}
    fail_if(check_producer_refs(conn, agency_id, refs), "producer")


def create_producer(
    *, uow: UnitOfWork, agency_id: int, spec: ProducerSpec, now: datetime
) -> ProducerRecord:
    """Add a producer to the agency; Conflict when the email or external id is taken."""
    check(spec, "producer")
    with uow:
        conn = uow.conn
        if spec.timezone is None:
            spec = dataclasses.replace(spec, timezone=agency_timezone(conn, agency_id))
        _check_refs(conn, agency_id, spec, None)
        _refuse_duplicate(conn, agency_id, spec, None)
        with conflicts_as(_DUPLICATE):
            new_id = conn.execute(
                producers.insert()
                .values(agency_id=agency_id, created_at=now, **producer_values(spec))
                .returning(producers.c.id)
            ).scalar_one()
        bump_roster_version(conn, agency_id)
        record = producer_record(fetch(conn, producers, agency_id, new_id, "producer"))
        uow.commit()
    return record


def update_producer(
    *, uow: UnitOfWork, agency_id: int, producer_id: int, changes: Mapping[str, Any]
) -> ProducerRecord:
    """Change some fields of a producer (a partial update); the rest stay as they are."""
    with uow:
        conn = uow.conn
        current = fetch(conn, producers, agency_id, producer_id, "producer")
        spec = merged(producer_spec(current), changes)
        if spec.timezone is None:
            spec = dataclasses.replace(spec, timezone=agency_timezone(conn, agency_id))
        check(spec, "producer")
        _check_refs(conn, agency_id, spec, producer_id)
        _refuse_duplicate(conn, agency_id, spec, producer_id)
        with conflicts_as(_DUPLICATE):
            conn.execute(
                producers.update()
                .where(producers.c.id == producer_id)
                .values(**producer_values(spec))
            )
        bump_roster_version(conn, agency_id)
        record = producer_record(fetch(conn, producers, agency_id, producer_id, "producer"))
        uow.commit()
    return record


def get_producer(*, uow: UnitOfWork, agency_id: int, producer_id: int) -> ProducerRecord:
    """One producer of the agency."""
    with uow:
        return producer_record(fetch(uow.conn, producers, agency_id, producer_id, "producer"))


def list_producers(
    *,
    uow: UnitOfWork,
    agency_id: int,
    team: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    producer_id: int | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[ProducerRecord]:
    """The agency's producers in id order, optionally of one team, role or activity (only
    ``producer_id`` when given)."""
    query = sa.select(producers).where(producers.c.agency_id == agency_id)
    query = where_given(
        query,
        (producers.c.id, producer_id),
        (producers.c.team, team),
        (producers.c.role, role),
        (producers.c.active, active),
    )
    with uow:
        return page(
            uow.conn,
            query,
            producers,
            kind="producer",
            cursor=cursor,
            limit=limit,
            build=producer_record,
        )


def _references(conn: sa.Connection, agency_id: int, producer_id: int) -> list[str]:
    def ids(table: sa.Table, *columns: sa.Column[Any]) -> list[int]:
        query = (
            sa.select(table.c.id)
            .where(table.c.agency_id == agency_id, sa.or_(*(c == producer_id for c in columns)))
            .order_by(table.c.id)
        )
        return list(conn.execute(query).scalars())

    found = []
    backed = ids(producers, producers.c.backup_producer_id)
    if backed:
        found.append(f"the backup of producer(s) {', '.join(map(str, backed))}")
    owned = ids(territories, territories.c.producer_id)
    if owned:
        found.append(f"the owner of territory(ies) {', '.join(map(str, owned))}")
    served = ids(clients, clients.c.owner_producer_id, clients.c.csr_producer_id)
    if served:
        found.append(f"the producer or CSR of {len(served)} client(s)")
    return found


def delete_producer(*, uow: UnitOfWork, agency_id: int, producer_id: int) -> None:
    """Remove a producer with their licenses; refused while anything still refers to them."""
    with uow:
        conn = uow.conn
        fetch(conn, producers, agency_id, producer_id, "producer")
        references = _references(conn, agency_id, producer_id)
        if references:
            raise Conflict(
                f"producer {producer_id} is {'; '.join(references)}; "
                "change those first, or deactivate the producer instead"
            )
        in_use = (
            f"producer {producer_id} has leads or history; "
            "deactivate them instead (PATCH active=false)"
        )
        with conflicts_as(in_use):
            conn.execute(licenses.delete().where(licenses.c.producer_id == producer_id))
        delete_row(conn, producers, agency_id, producer_id, in_use=in_use)
        bump_roster_version(conn, agency_id)
        uow.commit()
