"""What every roster service shares: tenancy checks, partial updates, conflicts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from leadrouter.errors import Conflict, FieldError, NotFound, ValidationFailed
from leadrouter.roster.specs import Spec, spec_errors
from leadrouter.store.roster_repo import Row, bump_roster_version
from leadrouter.store.tables import agencies, producers
from leadrouter.store.uow import UnitOfWork

T = TypeVar("T")
S = TypeVar("S", bound=Spec)


def fail_if(errors: list[FieldError], what: str) -> None:
    """Raise ValidationFailed naming every error, if there are any."""
    if errors:
        detail = f"{what}: " + "; ".join(f"{e.field}: {e.reason}" for e in errors)
        raise ValidationFailed(detail, errors=errors)


def merged(spec: S, changes: Mapping[str, Any]) -> S:
    """``spec`` with a partial update applied; unknown fields are a programming error."""
    return dataclasses.replace(spec, **changes)


def check(spec: Spec, what: str) -> None:
    fail_if(spec_errors(spec), what)


def check_producer_refs(
    conn: sa.Connection, agency_id: int, refs: Mapping[str, int | None]
) -> list[FieldError]:
    """Errors for producer ids that are not producers of this agency (never cross-tenant)."""
    wanted = {pid for pid in refs.values() if pid is not None}
    if not wanted:
        return []
    found = set(
        conn.execute(
            sa.select(producers.c.id).where(
                producers.c.agency_id == agency_id, producers.c.id.in_(wanted)
            )
        ).scalars()
    )
    return [
        FieldError(field, f"no producer {pid} in this agency")
        for field, pid in refs.items()
        if pid is not None and pid not in found
    ]


def fetch(conn: sa.Connection, table: sa.Table, agency_id: int, row_id: int, noun: str) -> Row:
    """The agency's row with this id, or NotFound (also when another agency owns it)."""
    row = (
        conn.execute(sa.select(table).where(table.c.id == row_id, table.c.agency_id == agency_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"{noun} {row_id} does not exist")
    return row


def clash(
    conn: sa.Connection,
    table: sa.Table,
    agency_id: int,
    self_id: int | None,
    *where: sa.ColumnElement[bool],
) -> int | None:
    """The id of another of the agency's rows matching ``where`` (a natural key taken), if any."""
    query = sa.select(table.c.id).where(table.c.agency_id == agency_id, *where)
    if self_id is not None:
        query = query.where(table.c.id != self_id)
    found = conn.execute(query.limit(1)).scalar()
    return None if found is None else int(found)


@contextmanager
def conflicts_as(message: str) -> Iterator[None]:
    """Turn a database constraint violation (a race past our checks) into a Conflict."""
    try:
        yield
    except IntegrityError:
        raise Conflict(message) from None


def delete_row(
    conn: sa.Connection, table: sa.Table, agency_id: int, row_id: int, *, in_use: str
) -> None:
    """Delete the agency's row; Conflict with ``in_use`` when history still refers to it."""
    with conflicts_as(in_use):
        conn.execute(table.delete().where(table.c.id == row_id, table.c.agency_id == agency_id))


def remove_row(
    *,
    uow: UnitOfWork,
    table: sa.Table,
    agency_id: int,
    row_id: int,
    noun: str,
    in_use: str,
    routing_reads_it: bool,
) -> None:
    """Delete the agency's ``noun`` in its own transaction: NotFound when the agency has no
    such row, Conflict with ``in_use`` when history still refers to it; a row that routing
    reads moves the roster version (so every process reloads its roster)."""
    with uow:
        conn = uow.conn
        fetch(conn, table, agency_id, row_id, noun)
        delete_row(conn, table, agency_id, row_id, in_use=in_use)
        if routing_reads_it:
            bump_roster_version(conn, agency_id)
        uow.commit()


def agency_ids(*, uow: UnitOfWork) -> list[int]:
    """Ids of every agency (so a command can default to the only one)."""
    with uow:
        return list(uow.conn.execute(sa.select(agencies.c.id).order_by(agencies.c.id)).scalars())
