"""/v1/lead-sources: where leads come from, what each costs, which fields each must send."""

from __future__ import annotations

from fastapi import APIRouter, Response

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.ids import RowId
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.roster.sources import SourceCreate, SourceOut, SourcePatch
from leadrouter.services.roster import sources

router = APIRouter(tags=["lead sources"])


@router.post("/lead-sources", status_code=201)
def create_source(
    body: SourceCreate, c: ContainerDep, who: ManagerDep, response: Response
) -> SourceOut:
    """Add a lead source; 409 when the name is taken."""
    record = sources.create_source(
        uow=c.uow(), agency_id=who.agency_id, spec=body.to_spec(), now=c.clock.now()
    )
    response.headers["Location"] = f"/v1/lead-sources/{record.source.id}"
    return SourceOut.of(record)


@router.get("/lead-sources")
def list_sources(
    c: ContainerDep, who: PrincipalDep, limit: Limit = 100, cursor: Cursor = None
) -> PageOut[SourceOut]:
    """The agency's lead sources, in id order."""
    found = sources.list_sources(
        uow=c.uow(readonly=True), agency_id=who.agency_id, cursor=cursor, limit=limit
    )
    return page_out(found, SourceOut.of)


@router.get("/lead-sources/{source_id}")
def get_source(source_id: RowId, c: ContainerDep, who: PrincipalDep) -> SourceOut:
    """One lead source."""
    return SourceOut.of(
        sources.get_source(uow=c.uow(readonly=True), agency_id=who.agency_id, source_id=source_id)
    )


@router.patch("/lead-sources/{source_id}")
def update_source(
    source_id: RowId, body: SourcePatch, c: ContainerDep, who: ManagerDep
) -> SourceOut:
    """Change a lead source (cost, required fields, active)."""
    return SourceOut.of(
        sources.update_source(
            uow=c.uow(), agency_id=who.agency_id, source_id=source_id, changes=body.changes()
        )
    )


@router.delete("/lead-sources/{source_id}", status_code=204)
def delete_source(source_id: RowId, c: ContainerDep, who: ManagerDep) -> None:
    """Remove a lead source; 409 once leads came from it (set active=false instead)."""
    sources.delete_source(uow=c.uow(), agency_id=who.agency_id, source_id=source_id)
