"""The caller's agency security settings, and a manager clearing a lead's do-not-contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from leadrouter.api.deps import ContainerDep, ManagerDep
from leadrouter.api.ids import RowId
from leadrouter.services.admin import security
from leadrouter.services.leads import opt_out

router = APIRouter(tags=["agency settings"])
Token = Annotated[str, StringConstraints(min_length=8, max_length=200, pattern=r"^\S+$")]


class SecurityOut(BaseModel):
    sms_auth_token_set: bool = Field(description="Whether inbound texts can be verified.")
    allow_private_webhook_targets: bool


class SecurityPatch(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    sms_auth_token: Token | None = Field(
        default=None,
        description="The SMS provider's auth token; inbound texts must be signed with it. "
        "Write-only: it is stored encrypted and never shown again.",
    )
    clear_sms_auth_token: bool = False
    allow_private_webhook_targets: bool | None = Field(
        default=None,
        description="Let webhook endpoints target loopback, link-local and private addresses "
        "(for an on-premises receiver).",
    )


class ClearDoNotContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="Kept with the lead's events.")


@router.get("/agency/security", response_model=SecurityOut)
def get_security(container: ContainerDep, principal: ManagerDep) -> SecurityOut:
    """Whether an SMS auth token is set, and whether private webhook targets are allowed."""
    found = security.get_security(uow=container.uow(readonly=True), agency_id=principal.agency_id)
    return SecurityOut(**vars(found))


@router.patch("/agency/security", response_model=SecurityOut)
def patch_security(
    body: SecurityPatch, container: ContainerDep, principal: ManagerDep
) -> SecurityOut:
    """Set the SMS auth token or the private-targets switch (a manager's key)."""
    found = security.update_security(
        uow=container.uow(),
        sealer=container.sealer,
        agency_id=principal.agency_id,
        sms_auth_token=body.sms_auth_token,
        clear_sms_auth_token=body.clear_sms_auth_token,
        allow_private_webhook_targets=body.allow_private_webhook_targets,
    )
    return SecurityOut(**vars(found))


@router.post("/leads/{lead_id}/do-not-contact/clear", status_code=status.HTTP_204_NO_CONTENT)
def clear_do_not_contact(
    lead_id: RowId, body: ClearDoNotContact, container: ContainerDep, principal: ManagerDep
) -> None:
    """Allow contacting a lead again (e.g. the consumer asked by phone); the reason is kept."""
    opt_out.clear_do_not_contact(
        uow=container.uow(),
        agency_id=principal.agency_id,
        lead_id=lead_id,
        reason=body.reason,
        actor=f"key {principal.key_id}",
        now=container.clock.now(),
    )
