"""Signed checkpoints of the decision chain, for keeping outside the database."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel

from leadrouter.api.deps import ContainerDep, require_role
from leadrouter.api.paging import Cursor, PageOut, page_out
from leadrouter.domain.model import Role
from leadrouter.services.admin import audit
from leadrouter.services.admin.agencies import Principal

router = APIRouter(tags=["audit"])
Auditor = Annotated[Principal, Depends(require_role(Role.MANAGER, Role.COMPLIANCE))]


class CheckpointOut(BaseModel):
    """Where the chain stood: keep it, and check later with ``leadrouter audit verify``."""

    agency_id: int
    head_seq: int
    head_hash: str
    count: int
    at: str
    signature: str


@router.get("/audit/checkpoints", response_model=PageOut[CheckpointOut])
def list_checkpoints(
    container: ContainerDep,
    principal: Auditor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Cursor = None,
) -> PageOut[CheckpointOut]:
    """The checkpoints issued for the agency, newest first, a page at a time."""
    found = audit.list_checkpoints(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, lambda c: CheckpointOut(**c.document()))


@router.post(
    "/audit/checkpoints", response_model=CheckpointOut, status_code=status.HTTP_201_CREATED
)
def issue_checkpoint(container: ContainerDep, principal: Auditor) -> CheckpointOut:
    """Sign the chain's head now; it is also sent as an ``audit.checkpoint`` webhook."""
    checkpoint = audit.issue_checkpoint(
        uow=container.uow(), agency_id=principal.agency_id, now=container.clock.now()
    )
    return CheckpointOut(**checkpoint.document())
