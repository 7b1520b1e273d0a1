"""/v1/producers: the people leads go to."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.ids import RowId
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.roster.producers import (
    ProducerCreate,
    ProducerOut,
    ProducerPatch,
    ProducerRole,
)
from leadrouter.services.people.access import own_producer
from leadrouter.services.roster import producers as service

router = APIRouter(tags=["producers"])


@router.post("/producers", status_code=status.HTTP_201_CREATED)
def create_producer(
    body: ProducerCreate, c: ContainerDep, who: ManagerDep, response: Response
) -> ProducerOut:
    """Add a producer; 409 when the email or external id is taken."""
    record = service.create_producer(
        uow=c.uow(), agency_id=who.agency_id, spec=body.to_spec(), now=c.clock.now()
    )
    response.headers["Location"] = f"/v1/producers/{record.producer.id}"
    return ProducerOut.of(record)


@router.get("/producers")
def list_producers(
    c: ContainerDep,
    who: PrincipalDep,
    team: str | None = None,
    role: ProducerRole | None = None,
    active: bool | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageOut[ProducerOut]:
    """The agency's producers, in id order (a key bound to a producer: that producer alone)."""
    found = service.list_producers(
        uow=c.uow(readonly=True),
        agency_id=who.agency_id,
        team=team,
        role=role,
        active=active,
        producer_id=own_producer(who, None),
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, ProducerOut.of)


@router.get("/producers/{producer_id}")
def get_producer(producer_id: RowId, c: ContainerDep, who: PrincipalDep) -> ProducerOut:
    """One producer (a key bound to a producer: itself only, another is 403)."""
    return ProducerOut.of(
        service.get_producer(
            uow=c.uow(readonly=True),
            agency_id=who.agency_id,
            producer_id=own_producer(who, producer_id) or producer_id,
        )
    )


@router.patch("/producers/{producer_id}")
def update_producer(
    producer_id: RowId, body: ProducerPatch, c: ContainerDep, who: ManagerDep
) -> ProducerOut:
    """Change some fields of a producer (e.g. active=false, out_of_office, caps)."""
    return ProducerOut.of(
        service.update_producer(
            uow=c.uow(), agency_id=who.agency_id, producer_id=producer_id, changes=body.changes()
        )
    )


@router.delete("/producers/{producer_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_producer(producer_id: RowId, c: ContainerDep, who: ManagerDep) -> None:
    """Remove a producer and their licenses; 409 while leads or other rows refer to them."""
    service.delete_producer(uow=c.uow(), agency_id=who.agency_id, producer_id=producer_id)
