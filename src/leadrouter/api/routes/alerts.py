"""In-app alerts for the dashboard: escalations, reassignments, queue warnings."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, Query

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.notifications import AlertOut
from leadrouter.errors import Forbidden
from leadrouter.services.admin import notifications
from leadrouter.services.people.access import own_producer

router = APIRouter(tags=["alerts"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get(
    "/alerts",
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "A key bound to a producer asked for another's (or a role's) alerts.",
        }
    },
)
def list_alerts(
    container: ContainerDep,
    principal: PrincipalDep,
    producer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    role: Annotated[str | None, Query(max_length=32, description="e.g. manager")] = None,
    unread: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PageOut[AlertOut]:
    """The agency's alerts, newest first, for one producer or role if asked. A key bound to
    a producer reads that producer's alerts only (another producer's, or a role's: 403)."""
    if principal.producer_id is not None and role is not None:
        raise Forbidden("a key bound to a producer reads that producer's alerts only")
    found = notifications.list_alerts(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        producer_id=own_producer(principal, producer_id),
        role=role,
        unread=unread,
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, lambda a: AlertOut(**dataclasses.asdict(a)))


@router.post("/alerts/{alert_id}/read", response_model=AlertOut)
def mark_alert_read(
    alert_id: AlertId, container: ContainerDep, principal: PrincipalDep
) -> AlertOut:
    """Mark an alert read."""
    alert = notifications.mark_alert_read(
        uow=container.uow(),
        agency_id=principal.agency_id,
        alert_id=alert_id,
        now=container.clock.now(),
    )
    return AlertOut(**dataclasses.asdict(alert))
