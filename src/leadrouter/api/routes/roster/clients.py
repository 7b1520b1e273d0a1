"""/v1/clients: existing customers, whose new leads go to their owner or CSR."""

from __future__ import annotations

from fastapi import APIRouter, Response

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.ids import RowId, RowIdQuery
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.roster.clients import ClientCreate, ClientOut, ClientPatch
from leadrouter.api.schemas.roster.common import Email, Phone
from leadrouter.services.roster import clients as service

router = APIRouter(tags=["clients"])


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
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, ClientOut.of)


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
