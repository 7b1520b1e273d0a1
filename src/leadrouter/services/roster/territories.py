"""Territories: slices of the map (ZIP ranges and prefixes, states, counties) given to a pod
or to one producer, optionally for some lines of business only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Territory
from leadrouter.errors import Conflict
from leadrouter.paging import Page, page
from leadrouter.roster.specs import TerritorySpec
from leadrouter.services.roster.common import (
    check,
    check_producer_refs,
    clash,
    conflicts_as,
    fail_if,
    fetch,
    merged,
    remove_row,
)
from leadrouter.store.roster_repo import (
    bump_roster_version,
    territory_from_row,
    territory_spec,
    territory_values,
)
from leadrouter.store.tables import territories
from leadrouter.store.uow import UnitOfWork


def _checked(conn: sa.Connection, agency_id: int, spec: TerritorySpec, self_id: int | None) -> None:
    check(spec, "territory")
    fail_if(check_producer_refs(conn, agency_id, {"producer_id": spec.producer_id}), "territory")
    other = clash(conn, territories, agency_id, self_id, territories.c.name == spec.name)
    if other is not None:
        raise Conflict(f"territory {other} is already named {spec.name!r}")


def create_territory(
    *, uow: UnitOfWork, agency_id: int, spec: TerritorySpec, now: datetime
) -> Territory:
    """Add a territory; Conflict when the agency already has one of that name."""
    with uow:
        conn = uow.conn
        _checked(conn, agency_id, spec, None)
        with conflicts_as(f"a territory named {spec.name!r} already exists"):
            new_id = conn.execute(
                territories.insert()
                .values(agency_id=agency_id, created_at=now, **territory_values(spec))
                .returning(territories.c.id)
            ).scalar_one()
        bump_roster_version(conn, agency_id)
        territory = territory_from_row(fetch(conn, territories, agency_id, new_id, "territory"))
        uow.commit()
    return territory


def update_territory(
    *, uow: UnitOfWork, agency_id: int, territory_id: int, changes: Mapping[str, Any]
) -> Territory:
    """Change some fields of a territory."""
    with uow:
        conn = uow.conn
        current = fetch(conn, territories, agency_id, territory_id, "territory")
        spec = merged(territory_spec(current), changes)
        _checked(conn, agency_id, spec, territory_id)
        with conflicts_as(f"a territory named {spec.name!r} already exists"):
            conn.execute(
                territories.update()
                .where(territories.c.id == territory_id)
                .values(**territory_values(spec))
            )
        bump_roster_version(conn, agency_id)
        territory = territory_from_row(
            fetch(conn, territories, agency_id, territory_id, "territory")
        )
        uow.commit()
    return territory


def get_territory(*, uow: UnitOfWork, agency_id: int, territory_id: int) -> Territory:
    """One territory of the agency."""
    with uow:
        return territory_from_row(
            fetch(uow.conn, territories, agency_id, territory_id, "territory")
        )


def list_territories(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 100
) -> Page[Territory]:
    """The agency's territories in id order."""
    query = sa.select(territories).where(territories.c.agency_id == agency_id)
    with uow:
        return page(
            uow.conn,
            query,
            territories,
            kind="territory",
            cursor=cursor,
            limit=limit,
            build=territory_from_row,
        )


def delete_territory(*, uow: UnitOfWork, agency_id: int, territory_id: int) -> None:
    """Remove a territory."""
    remove_row(
        uow=uow,
        table=territories,
        agency_id=agency_id,
        row_id=territory_id,
        noun="territory",
        in_use=f"territory {territory_id} is still referred to",
        routing_reads_it=True,
    )
