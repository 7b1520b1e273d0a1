"""Leads: intake over JSON, reads with filters and pagination, behavioral events, outcomes."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import (
    ContainerDep,
    KeyCallerDep,
    PrincipalDep,
    ReadableLeadId,
    confirming,
)
from leadrouter.api.ids import RowId
from leadrouter.api.paging import Cursor, Limit, PageOut, page_body
from leadrouter.api.schemas.leads import (
    BindCorrectionIn,
    EventCreate,
    EventOut,
    LeadCreate,
    LeadOut,
    LeadPageOut,
    LeadQuery,
    StatusChangeIn,
)
from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.intake.idempotency import HEADER
from leadrouter.intake.listing import LeadFilter
from leadrouter.services.leads import intake as leads
from leadrouter.services.leads import outcomes
from leadrouter.services.people.access import (
    may_read_lead,
    may_work_lead,
    may_work_leads,
    own_producer,
)
from leadrouter.services.routing.route import after_intake

router = APIRouter(tags=["leads"])
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

_CREATE_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": LeadCreate.model_json_schema()}},
    }
}


@router.post(
    "/leads",
    status_code=status.HTTP_201_CREATED,
    response_model=LeadOut,
    openapi_extra=_CREATE_DOC,
    responses={
        200: {
            "model": LeadOut,
            "description": "A repeat of an existing lead for the same line (same phone or "
            "email within the dedupe window): the existing lead, with duplicate_of and its "
            "touch_count raised; its owner is told the consumer asked again.",
        },
        201: {
            "description": "A new lead; Location names it. A request for another line from a "
            "consumer already on file is a new lead too, with related_lead_id."
        },
        403: {**_PROBLEM, "description": "A compliance key: compliance does not work leads."},
        409: {**_PROBLEM, "description": "Idempotency-Key reused with another body."},
        422: {**_PROBLEM, "description": "Each bad field and the reason."},
    },
)
async def create_lead(
    request: Request,
    container: ContainerDep,
    caller: KeyCallerDep,
    idempotency_key: Annotated[
        str | None, Header(alias=HEADER, description="A retry with it returns the first answer.")
    ] = None,
) -> Response:
    """Take in a lead: validate, normalize, dedupe, match a client, store, and route it
    at once (assigned to a licensed producer, or queued with the reason)."""
    # The intake's first statement confirms the key (no transaction of its own for that).
    async with confirming(container, caller):
        may_work_leads(caller.principal)  # compliance reads and verifies; it brings no leads
        payload = json_object(await request.body())
        result = await run_in_threadpool(
            leads.receive_lead,
            uow=container.uow(),
            agency_id=caller.principal.agency_id,
            payload=payload,
            idempotency_key=idempotency_key,
            now=container.clock.now(),
            after_store=after_intake(container.routing),
            caller_key=caller.key,
        )
    headers = {}
    if result.status_code == status.HTTP_201_CREATED:
        headers["Location"] = f"/v1/leads/{result.lead_id}"
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(result.body, result.status_code, headers, media_type="application/json")


def json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or 422 saying why it is not one."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        reason = f"is not valid JSON ({exc})" if isinstance(exc, ValueError) else "nests too deep"
        raise ValidationFailed(f"body {reason}", errors=[FieldError("body", reason)]) from None
    if not isinstance(value, dict):
        reason = "must be a JSON object"
        raise ValidationFailed(f"body {reason}", errors=[FieldError("body", reason)])
    return value


@router.get(
    "/leads",
    response_model=LeadPageOut,
    response_model_exclude_unset=True,
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "A key bound to a producer asked for another producer's.",
        }
    },
)
def list_leads(
    query: Annotated[LeadQuery, Query()], container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The agency's leads, newest first, filtered; follow next_cursor for more. A key bound
    to a producer lists that producer's leads only (owner_id of another producer: 403)."""
    filters = LeadFilter(
        statuses=tuple(s.value for s in query.status),
        insurance_type=query.insurance_type,
        state=query.state,
        source=query.source,
        created_after=query.created_after,
        created_before=query.created_before,
        owner_id=own_producer(principal, query.owner_id),
        q=query.q,
    )
    page = leads.list_leads(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        filters=filters,
        limit=query.limit,
        cursor=query.cursor,
    )
    return page_body(page)


@router.get(
    "/leads/{lead_id}",
    response_model=LeadOut,
    response_model_exclude_unset=True,
    responses={
        404: {
            **_PROBLEM,
            "description": "No such lead, or (a key bound to a producer) not that producer's lead.",
        }
    },
)
def get_lead(
    lead_id: ReadableLeadId, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """One lead of the agency, with its status history (a key bound to a producer: that
    producer's leads only)."""
    return leads.get_lead(
        uow=container.uow(readonly=True), agency_id=principal.agency_id, lead_id=lead_id
    )


@router.post(
    "/leads/{lead_id}/status",
    response_model=LeadOut,
    response_model_exclude_unset=True,
    responses={403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM},
)
def change_status(
    lead_id: RowId, body: StatusChangeIn, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record an outcome: contacted, quoted (premium quoted), bound (premium, policy number,
    commission), lost (a reason from the list) or nurture.

    A key bound to a producer records outcomes of that producer's leads only."""
    may_work_lead(
        principal, uow=container.uow(readonly=True), agency_id=principal.agency_id, lead_id=lead_id
    )
    return outcomes.record_outcome(
        uow=container.uow(),
        routing_deps=container.routing,
        agency_id=principal.agency_id,
        lead_id=lead_id,
        status=body.status,
        reason=body.reason,
        now=container.clock.now(),
        data=outcomes.OutcomeData(
            premium=body.premium,
            policy_number=body.policy_number,
            commission=body.commission,
            lost_reason=body.lost_reason,
        ),
    )


@router.patch(
    "/leads/{lead_id}/bind",
    response_model=LeadOut,
    response_model_exclude_unset=True,
    responses={
        403: _PROBLEM,
        404: _PROBLEM,
        409: {**_PROBLEM, "description": "The lead is not bound."},
    },
)
def correct_bind(
    lead_id: RowId, body: BindCorrectionIn, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Correct a bound lead's premium, commission or policy number (a key bound to a
    producer: on that producer's leads only)."""
    may_work_lead(
        principal, uow=container.uow(readonly=True), agency_id=principal.agency_id, lead_id=lead_id
    )
    return outcomes.correct_bind(
        uow=container.uow(),
        agency_id=principal.agency_id,
        lead_id=lead_id,
        now=container.clock.now(),
        premium=body.premium,
        commission=body.commission,
        policy_number=body.policy_number,
    )


@router.post(
    "/leads/{lead_id}/events",
    status_code=status.HTTP_201_CREATED,
    response_model=EventOut,
    responses={403: _PROBLEM, 404: _PROBLEM},
)
def record_event(
    lead_id: RowId, body: EventCreate, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record what the prospect did (page view, quote started, call ...), for scoring (not
    for a compliance key; a key bound to a producer: on that producer's leads only)."""
    may_work_leads(principal)
    may_read_lead(
        principal, uow=container.uow(readonly=True), agency_id=principal.agency_id, lead_id=lead_id
    )
    return leads.record_event(
        uow=container.uow(),
        agency_id=principal.agency_id,
        lead_id=lead_id,
        type=body.type,
        at=body.at,
        data=body.data,
        now=container.clock.now(),
    )


@router.get("/leads/{lead_id}/events", response_model=PageOut[EventOut], responses={404: _PROBLEM})
def list_events(
    lead_id: ReadableLeadId,
    container: ContainerDep,
    principal: PrincipalDep,
    with_tier_changes: Annotated[
        bool, Query(description="Also list our own `intent_tier_changed` records.")
    ] = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The lead's behavioral events, oldest first, a page at a time (a key bound to a
    producer: that producer's leads only)."""
    found = leads.list_events(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        lead_id=lead_id,
        with_tier_changes=with_tier_changes,
        cursor=cursor,
        limit=limit,
    )
    return page_body(found)
