"""/v1/clients (existing customers) and /v1/lead-sources."""

from __future__ import annotations

from fastapi import APIRouter, Response

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.ids import RowId, RowIdQuery
from leadrouter.api.routes.roster.common import Cursor, Limit, after, cursor_of
from leadrouter.api.schemas.roster.clients import (
    ClientCreate,
    ClientOut,
    ClientPatch,
    SourceCreate,
    SourceOut,
    SourcePatch,
)
from leadrouter.api.schemas.roster.common import Email, PageOut, Phone
from leadrouter.services.roster import clients as service
from leadrouter.services.roster import sources

router = APIRouter(tags=["clients"])
sources_router = APIRouter(tags=["lead sources"])


@router.post("/clients", status_code=201)
def create_client(
    body: ClientCreate, c: ContainerDep, who: ManagerDep, response: Response
) -> ClientOut:
    """Add an existing client; 409 when its external id is taken."""
    record = service.create_client(
        uow=c.uow(), agency_id=who.agency_id, spec=body.to_spec(), now=c.clock.now()
    )
    response.headers["Location"] = f"/v1/clients/{record.client.id}"
    return ClientOut.of(record)


@router.get("/clients")
def list_clients(
    c: ContainerDep,
    who: PrincipalDep,
    owner_producer_id: RowIdQuery = None,
    phone: Phone | None = None,
    email: Email | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageOut[ClientOut]:
    """The agency's clients, in id order; phone and email match however they are written."""
    found = service.list_clients(
        uow=c.uow(readonly=True),
        agency_id=who.agency_id,
        owner_producer_id=owner_producer_id,
        phone=phone,
        email=email,
        after=after(cursor),
        limit=limit,
    )
    return PageOut[ClientOut](
        items=[ClientOut.of(r) for r in found.items], next_cursor=cursor_of(found.next_cursor)
    )


@router.get("/clients/{client_id}")
def get_client(client_id: RowId, c: ContainerDep, who: PrincipalDep) -> ClientOut:
    """One client."""
    return ClientOut.of(
        service.get_client(uow=c.uow(readonly=True), agency_id=who.agency_id, client_id=client_id)
    )


@router.patch("/clients/{client_id}")
def update_client(
    client_id: RowId, body: ClientPatch, c: ContainerDep, who: ManagerDep
) -> ClientOut:
    """Change some fields of a client (e.g. a new owner)."""
    return ClientOut.of(
        service.update_client(
            uow=c.uow(), agency_id=who.agency_id, client_id=client_id, changes=body.changes()
        )
    )


@router.delete("/clients/{client_id}", status_code=204)
def delete_client(client_id: RowId, c: ContainerDep, who: ManagerDep) -> None:
    """Remove a client; 409 while leads refer to it."""
    service.delete_client(uow=c.uow(), agency_id=who.agency_id, client_id=client_id)


@sources_router.post("/lead-sources", status_code=201)
def create_source(
    body: SourceCreate, c: ContainerDep, who: ManagerDep, response: Response
) -> SourceOut:
    """Add a lead source; 409 when the name is taken."""
    record = sources.create_source(
        uow=c.uow(), agency_id=who.agency_id, spec=body.to_spec(), now=c.clock.now()
    )
    response.headers["Location"] = f"/v1/lead-sources/{record.source.id}"
    return SourceOut.of(record)


@sources_router.get("/lead-sources")
def list_sources(
    c: ContainerDep, who: PrincipalDep, limit: Limit = 100, cursor: Cursor = None
) -> PageOut[SourceOut]:
    """The agency's lead sources, in id order."""
    found = sources.list_sources(
        uow=c.uow(readonly=True), agency_id=who.agency_id, after=after(cursor), limit=limit
    )
    return PageOut[SourceOut](
        items=[SourceOut.of(r) for r in found.items], next_cursor=cursor_of(found.next_cursor)
    )


@sources_router.get("/lead-sources/{source_id}")
def get_source(source_id: RowId, c: ContainerDep, who: PrincipalDep) -> SourceOut:
    """One lead source."""
    return SourceOut.of(
        sources.get_source(uow=c.uow(readonly=True), agency_id=who.agency_id, source_id=source_id)
    )


@sources_router.patch("/lead-sources/{source_id}")
def update_source(
    source_id: RowId, body: SourcePatch, c: ContainerDep, who: ManagerDep
) -> SourceOut:
    """Change a lead source (cost, required fields, active)."""
    return SourceOut.of(
        sources.update_source(
            uow=c.uow(), agency_id=who.agency_id, source_id=source_id, changes=body.changes()
        )
    )


@sources_router.delete("/lead-sources/{source_id}", status_code=204)
def delete_source(source_id: RowId, c: ContainerDep, who: ManagerDep) -> None:
    """Remove a lead source; 409 once leads came from it (set active=false instead)."""
    sources.delete_source(uow=c.uow(), agency_id=who.agency_id, source_id=source_id)
