"""The outbox: every message leaving the system, its attempts, and the dead letters."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from leadrouter.api.deps import ContainerDep, require_role
from leadrouter.api.ids import RowId
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.notifications import OutboxChannel, OutboxItem, OutboxStatus
from leadrouter.domain.model import Role
from leadrouter.services.admin import notifications
from leadrouter.services.admin.agencies import Principal

router = APIRouter(tags=["outbox"])
Reader = Annotated[Principal, Depends(require_role(Role.MANAGER, Role.SUPERVISOR, Role.COMPLIANCE))]
Operator = Annotated[Principal, Depends(require_role(Role.MANAGER, Role.SUPERVISOR))]
MessageId = RowId


@router.get("/outbox")
def list_outbox(
    container: ContainerDep,
    principal: Reader,
    status: Annotated[OutboxStatus | None, Query(description="dead = the dead letters")] = None,
    channel: OutboxChannel | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PageOut[OutboxItem]:
    """The agency's outgoing messages, newest first; ``?status=dead`` shows the dead letters."""
    found = notifications.list_outbox(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        status=status,
        channel=channel,
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, lambda e: OutboxItem(**dataclasses.asdict(e)))


@router.get("/outbox/{message_id}", response_model=OutboxItem)
def get_outbox_message(
    message_id: MessageId, container: ContainerDep, principal: Reader
) -> OutboxItem:
    """One outgoing message with its attempts and last error."""
    entry = notifications.get_outbox_entry(
        uow=container.uow(readonly=True), agency_id=principal.agency_id, message_id=message_id
    )
    return OutboxItem(**dataclasses.asdict(entry))


@router.post("/outbox/{message_id}/retry", response_model=OutboxItem)
def retry_outbox_message(
    message_id: MessageId, container: ContainerDep, principal: Operator
) -> OutboxItem:
    """Send a dead letter again, with a fresh set of attempts (409 unless it is dead)."""
    entry = notifications.retry_message(
        uow=container.uow(),
        agency_id=principal.agency_id,
        message_id=message_id,
        now=container.clock.now(),
    )
    return OutboxItem(**dataclasses.asdict(entry))
