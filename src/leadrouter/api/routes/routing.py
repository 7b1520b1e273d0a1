"""Decisions, manual assignment, the queue and the audit chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from leadrouter.api.deps import ContainerDep, PrincipalDep, ReadableLeadId, require_role
from leadrouter.api.ids import RowId, RowIdField
from leadrouter.api.paging import Cursor, LeadListing, Limit, PageOut, lead_listing, page_body
from leadrouter.domain.model import Role
from leadrouter.errors import NotFound
from leadrouter.services.admin.agencies import Principal
from leadrouter.services.people.access import may_read_agency_figures
from leadrouter.services.routing import decisions
from leadrouter.services.routing import route as routing

router = APIRouter(tags=["routing"])
LeadId = RowId
Assigner = Annotated[Principal, Depends(require_role(Role.MANAGER, Role.SUPERVISOR))]
_PROBLEM: dict[int | str, dict[str, Any]] = {
    404: {"content": {"application/problem+json": {}}, "description": "No such lead here."},
}


class DecisionOut(BaseModel):
    id: int
    seq: int = Field(description="Position in the agency's hash chain.")
    lead_id: RowId
    kind: str = Field(description="route, drain, reassign, manual, ...")
    outcome: str = Field(description="assigned, queued or nurture")
    producer_id: int | None
    policy_version: int
    actor: str | None
    created_at: Any
    explanation: dict[str, Any] = Field(
        description="Every candidate, the step that excluded it and why, the scores, the "
        "winner, the strategy and its tie-break."
    )
    hash: str
    prev_hash: str


class AssignIn(BaseModel):
    producer_id: RowIdField


class AssignOut(BaseModel):
    lead_id: RowId
    outcome: str
    producer_id: int | None
    decision_id: int | None


@router.get("/leads/{lead_id}/decision", response_model=DecisionOut, responses=_PROBLEM)
def latest_decision(
    lead_id: ReadableLeadId, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Why the lead went where it went (the latest decision about it); a key bound to a
    producer: on that producer's leads only."""
    found = decisions.lead_decisions(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        lead_id=lead_id,
        latest_only=True,
    )
    if not found:
        raise NotFound(f"lead {lead_id} has no decision yet")
    return found[0]


@router.get("/leads/{lead_id}/decisions", response_model=PageOut[DecisionOut], responses=_PROBLEM)
def all_decisions(listing: Annotated[LeadListing, lead_listing(50)]) -> dict[str, Any]:
    """Every decision about the lead, oldest first, a page at a time (a key bound to a
    producer: that producer's leads only)."""
    return page_body(listing.read(decisions.decision_page))


@router.post(
    "/leads/{lead_id}/assignment",
    response_model=AssignOut,
    responses={
        **_PROBLEM,
        409: {
            "content": {"application/problem+json": {}},
            "description": "The license gate refused the producer.",
        },
    },
)
def assign(
    lead_id: LeadId, body: AssignIn, container: ContainerDep, principal: Assigner
) -> AssignOut:
    """Give the lead to a named producer; the license gate still decides (409 with the reason)."""
    result = routing.assign_manually(
        uow=container.uow(),
        caches=container.routing,
        agency_id=principal.agency_id,
        lead_id=lead_id,
        producer_id=body.producer_id,
        actor=f"key {principal.key_id}",
        now=container.clock.now(),
    )
    return AssignOut(
        lead_id=result.lead_id,
        outcome=result.outcome,
        producer_id=result.producer_id,
        decision_id=result.decision_id,
    )


@router.get(
    "/queue",
    response_model=PageOut[dict[str, Any]],
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "Agency-wide: not for a key bound to a producer.",
        }
    },
)
def waiting(
    container: ContainerDep, principal: PrincipalDep, limit: Limit = 200, cursor: Cursor = None
) -> dict[str, Any]:
    """Leads nobody may take yet, each with its reason, in the order they will be assigned,
    a page at a time (not for a key bound to a producer: 403)."""
    may_read_agency_figures(principal)
    found = decisions.queue(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        cursor=cursor,
        limit=limit,
    )
    return page_body(found)


@router.get(
    "/audit/verify",
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "Agency-wide: not for a key bound to a producer.",
        }
    },
)
def verify_audit(container: ContainerDep, principal: PrincipalDep) -> dict[str, Any]:
    """Walk the agency's hash-chained decision log; the first broken link, if any (not for
    a key bound to a producer: 403)."""
    may_read_agency_figures(principal)
    count, broken = decisions.verify(
        uow=container.uow(readonly=True), agency_id=principal.agency_id
    )
    return {
        "records": count,
        "intact": broken is None,
        "first_broken": None if broken is None else broken.__dict__,
    }
