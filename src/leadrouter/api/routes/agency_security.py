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


FieldName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,49}$")]


class FormOut(BaseModel):
    source: str = Field(description="The lead source every form lead gets (default web_form).")
    honeypot_field: str = Field(
        description="A field the page hides from people; a post that fills it is a bot's, "
        "answered alike and stored nowhere (default website)."
    )


class FormPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(default=None, min_length=1, max_length=200)
    honeypot_field: FieldName | None = None


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


@router.get("/agency/form", response_model=FormOut)
def get_form(container: ContainerDep, principal: ManagerDep) -> FormOut:
    """The public web form's source and honeypot field."""
    found = security.get_form(uow=container.uow(readonly=True), agency_id=principal.agency_id)
    return FormOut(**vars(found))


@router.patch("/agency/form", response_model=FormOut)
def patch_form(body: FormPatch, container: ContainerDep, principal: ManagerDep) -> FormOut:
    """Set the form's lead source or honeypot field name (a manager's key)."""
    found = security.update_form(
        uow=container.uow(),
        agency_id=principal.agency_id,
        source=body.source,
        honeypot_field=body.honeypot_field,
    )
    return FormOut(**vars(found))
