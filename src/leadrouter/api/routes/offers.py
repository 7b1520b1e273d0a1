"""Offers: accept or decline an offered lead; every assignment and offer of a lead."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.ids import RowId
from leadrouter.api.paging import LeadListing, PageOut, lead_listing, page_body
from leadrouter.services.people.access import may_act_as
from leadrouter.services.routing import offers as acceptance

router = APIRouter(tags=["offers"])
LeadId = RowId
_PROBLEM: dict[int | str, dict[str, Any]] = {
    404: {"content": {"application/problem+json": {}}, "description": "No such lead here."},
    403: {
        "content": {"application/problem+json": {}},
        "description": "A key bound to another producer, or a compliance key.",
    },
    409: {
        "content": {"application/problem+json": {}},
        "description": "Not this producer's offer, already answered, or expired.",
    },
}


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    producer_id: int = Field(ge=1, le=2**31 - 1, description="The producer the lead is offered to.")


class DeclineIn(AnswerIn):
    reason: str | None = Field(default=None, max_length=500)


class AnswerOut(BaseModel):
    lead_id: RowId
    producer_id: int
    state: str = Field(description="active (accepted) or declined")
    next_outcome: str | None = Field(description="After a decline: assigned, queued or nurture.")
    next_producer_id: int | None = Field(description="Who the lead is offered to next.")


class AssignmentOut(BaseModel):
    id: int
    producer_id: int
    kind: str = Field(description="route, drain, reassign, reoffer, manual ...")
    state: str = Field(description="offered, active, ended, declined or expired")
    started_at: AwareDatetime
    accept_by: AwareDatetime | None
    accepted_at: AwareDatetime | None
    contacted_at: AwareDatetime | None
    ended_at: AwareDatetime | None
    end_reason: str | None
    next_due_at: AwareDatetime | None = Field(description="When the time engine looks again.")
    done_steps: list[str] = Field(description="Timer steps carried out, by key.")


@router.post("/leads/{lead_id}/accept", response_model=AnswerOut, responses=_PROBLEM)
def accept(
    lead_id: LeadId, body: AnswerIn, container: ContainerDep, principal: PrincipalDep
) -> acceptance.OfferResult:
    """Accept the lead offered to this producer, before the offer expires."""
    may_act_as(principal, body.producer_id)
    return acceptance.accept_offer(
        uow=container.uow(),
        caches=container.routing,
        agency_id=principal.agency_id,
        lead_id=lead_id,
        producer_id=body.producer_id,
        now=container.clock.now(),
    )


@router.post("/leads/{lead_id}/decline", response_model=AnswerOut, responses=_PROBLEM)
def decline(
    lead_id: LeadId, body: DeclineIn, container: ContainerDep, principal: PrincipalDep
) -> acceptance.OfferResult:
    """Decline the offered lead; it is offered to the next eligible producer at once."""
    may_act_as(principal, body.producer_id)
    return acceptance.decline_offer(
        uow=container.uow(),
        caches=container.routing,
        agency_id=principal.agency_id,
        lead_id=lead_id,
        producer_id=body.producer_id,
        reason=body.reason,
        now=container.clock.now(),
    )


@router.get(
    "/leads/{lead_id}/assignments",
    response_model=PageOut[AssignmentOut],
    responses={404: _PROBLEM[404]},
)
def lead_assignments(listing: Annotated[LeadListing, lead_listing(50)]) -> dict[str, Any]:
    """Every assignment and offer of the lead, oldest first, with its timer steps, a page at
    a time (a key bound to a producer: that producer's leads only)."""
    return page_body(listing.read(acceptance.assignments_of))
