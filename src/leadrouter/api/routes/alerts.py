"""In-app alerts for the dashboard: escalations, reassignments, queue warnings."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, Query

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.schemas.notifications import AlertOut, AlertPage
from leadrouter.services.admin import notifications

router = APIRouter(tags=["alerts"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    container: ContainerDep,
    principal: PrincipalDep,
    producer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    role: Annotated[str | None, Query(max_length=32, description="e.g. manager")] = None,
    unread: bool = False,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AlertPage:
    """The agency's alerts, newest first, for one producer or role if asked."""
    found = notifications.list_alerts(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        producer_id=producer_id,
        role=role,
        unread=unread,
        before_id=before_id,
        limit=limit + 1,
    )
    items = [AlertOut(**dataclasses.asdict(a)) for a in found[:limit]]
    more = len(found) > limit
    return AlertPage(items=items, next_before_id=items[-1].id if more else None)


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
