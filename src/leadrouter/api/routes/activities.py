"""Activities and the speed timer: what the lead's owner did, and when they first reached it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.ids import Instant, RowId
from leadrouter.api.paging import LeadListing, lead_listing
from leadrouter.services.leads import activities
from leadrouter.services.people.access import may_act_as

router = APIRouter(tags=["activities"])
LeadId = RowId
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


class ActivityIn(BaseModel):
    """One thing the owner did; ``contact_made`` stops the lead's escalation and cadence."""

    model_config = ConfigDict(extra="forbid")

    producer_id: int = Field(ge=1, le=2**31 - 1, description="Must be the lead's owner.")
    kind: Literal["call_attempt", "voicemail", "text", "email", "contact_made", "note"]
    at: Instant | None = Field(default=None, description="When it happened; now if left out.")
    note: str | None = Field(default=None, max_length=2000)


class ActivityOut(BaseModel):
    id: int
    lead_id: RowId
    producer_id: int
    kind: str
    at: AwareDatetime
    note: str | None
    created_at: AwareDatetime


class ActivitiesOut(BaseModel):
    lead_id: RowId
    owner_id: int | None
    first_assigned_at: AwareDatetime | None
    first_contact_at: AwareDatetime | None
    response_seconds: int | None = Field(description="First contact minus the lead's arrival.")
    attempts: int = Field(description="Call attempts and voicemails: tries to reach the lead.")
    items: list[ActivityOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page.")


@router.post(
    "/leads/{lead_id}/activities",
    status_code=status.HTTP_201_CREATED,
    response_model=ActivityOut,
    responses={
        403: {**_PROBLEM, "description": "A key bound to another producer, or compliance."},
        404: _PROBLEM,
        409: {**_PROBLEM, "description": "Not the lead's owner."},
    },
)
def log_activity(
    lead_id: LeadId, body: ActivityIn, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Log a call attempt, voicemail, text, email, contact or note by the lead's owner."""
    may_act_as(principal, body.producer_id)
    return activities.log_activity(
        uow=container.uow(),
        routing_deps=container.routing,
        now=container.clock.now(),
        agency_id=principal.agency_id,
        lead_id=lead_id,
        producer_id=body.producer_id,
        kind=body.kind,
        at=body.at,
        note=body.note,
    )


@router.get("/leads/{lead_id}/activities", response_model=ActivitiesOut, responses={404: _PROBLEM})
def list_activities(listing: Annotated[LeadListing, lead_listing(100)]) -> dict[str, Any]:
    """The lead's activities, oldest first, a page at a time, with its first contact and
    response time (a key bound to a producer: that producer's leads only)."""
    return listing.read(activities.list_activities)
