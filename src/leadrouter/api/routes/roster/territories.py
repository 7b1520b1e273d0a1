"""/v1/territories: which pod or producer takes leads from where."""

from __future__ import annotations

from fastapi import APIRouter, Response

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.ids import RowId
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.roster.territories import (
    TerritoryCreate,
    TerritoryOut,
    TerritoryPatch,
)
from leadrouter.services.roster import territories as service

router = APIRouter(tags=["territories"])


@router.post("/territories", status_code=201)
def create_territory(
    body: TerritoryCreate, c: ContainerDep, who: ManagerDep, response: Response
) -> TerritoryOut:
    """Add a territory; 409 when the name is taken."""
    territory = service.create_territory(
        uow=c.uow(), agency_id=who.agency_id, spec=body.to_spec(), now=c.clock.now()
    )
    response.headers["Location"] = f"/v1/territories/{territory.id}"
    return TerritoryOut.of(territory)


@router.get("/territories")
def list_territories(
    c: ContainerDep, who: PrincipalDep, limit: Limit = 100, cursor: Cursor = None
) -> PageOut[TerritoryOut]:
    """The agency's territories, in id order."""
    found = service.list_territories(
        uow=c.uow(readonly=True), agency_id=who.agency_id, cursor=cursor, limit=limit
    )
    return page_out(found, TerritoryOut.of)


@router.get("/territories/{territory_id}")
def get_territory(territory_id: RowId, c: ContainerDep, who: PrincipalDep) -> TerritoryOut:
    """One territory."""
    return TerritoryOut.of(
        service.get_territory(
            uow=c.uow(readonly=True), agency_id=who.agency_id, territory_id=territory_id
        )
    )


@router.patch("/territories/{territory_id}")
def update_territory(
    territory_id: RowId, body: TerritoryPatch, c: ContainerDep, who: ManagerDep
) -> TerritoryOut:
    """Change some fields of a territory."""
    return TerritoryOut.of(
        service.update_territory(
            uow=c.uow(), agency_id=who.agency_id, territory_id=territory_id, changes=body.changes()
        )
    )


@router.delete("/territories/{territory_id}", status_code=204)
def delete_territory(territory_id: RowId, c: ContainerDep, who: ManagerDep) -> None:
    """Remove a territory."""
    service.delete_territory(uow=c.uow(), agency_id=who.agency_id, territory_id=territory_id)
