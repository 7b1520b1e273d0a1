"""The public web form: no API key, a per-agency form key, and a honeypot for bots.

The source of a form's leads is the form's own (the agency's ``form_source`` setting), never
what the poster sends; nor are intent tier or exclusivity taken from a public form. Posts are
rate limited per form key and per client address (429 with Retry-After) before any work.

Every accepted post answers 202 ``{"status": "received"}`` alike, whether it made a new
lead, repeated one, or filled the honeypot (and so stored nothing): a bot learns nothing,
and a visitor cannot probe who is already a lead. Invalid fields get 422 so the page can
show them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from leadrouter.api.deps import ContainerDep
from leadrouter.api.schemas.leads import FormReceived
from leadrouter.intake.contract import FIELD_NAMES
from leadrouter.services.admin.agencies import web_form
from leadrouter.services.leads import intake as leads
from leadrouter.services.routing.route import after_intake

router = APIRouter(tags=["web forms"])
# Fields only the agency's own integrations may set: a public poster could buy priority.
NOT_FROM_PUBLIC = frozenset({"source", "intent_tier", "exclusive"})
_FIELDS = frozenset(FIELD_NAMES) - {"attributes"} - NOT_FROM_PUBLIC


@router.post(
    "/forms/{form_key}/leads",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=FormReceived,
    responses={
        303: {"description": "Sent on to the agency's form_thank_you_url, when it has one."},
        429: {"description": "Too many posts to this form, or from this address."},
        404: {"description": "No such form."},
        422: {"description": "Bad fields."},
    },
    openapi_extra={
        "requestBody": {
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
        }
    },
)
async def submit_form(
    form_key: str, request: Request, container: ContainerDep
) -> FormReceived | RedirectResponse:
    """A lead from the agency's own web page (form-encoded); other fields become attributes.

    When the agency set ``form_thank_you_url`` a browser is sent there (303 See Other) after
    a post, so a plain HTML form needs no script; otherwise the answer is 202 JSON.
    """
    container.rate_limits.check_form(
        form_key=form_key,
        client=request.client.host if request.client else "unknown",
        now=container.clock.now().timestamp(),
    )
    form_of = await run_in_threadpool(web_form, uow=container.uow(readonly=True), form_key=form_key)
    received: FormReceived | RedirectResponse = (
        RedirectResponse(form_of.thank_you_url, status_code=status.HTTP_303_SEE_OTHER)
        if form_of.thank_you_url
        else FormReceived()
    )
    async with request.form() as form:
        values = {k: v for k, v in form.multi_items() if not isinstance(v, UploadFile)}
    if values.get(form_of.honeypot, "").strip():
        return received
    values.pop(form_of.honeypot, None)
    await run_in_threadpool(
        leads.receive_lead,
        uow=container.uow(),
        agency_id=form_of.agency_id,
        payload=form_payload(values, source=form_of.source),
        idempotency_key=None,
        now=container.clock.now(),
        after_store=after_intake(container.routing),
    )
    return received


def form_payload(values: dict[str, str], *, source: str) -> dict[str, Any]:
    """Form fields as a lead body from ``source``: blanks and fields a public poster may not
    set dropped, unknown fields kept as attributes."""
    payload: dict[str, Any] = {"source": source}
    attributes = {}
    for key, value in values.items():
        if not value.strip() or key in NOT_FROM_PUBLIC:
            continue
        if key in _FIELDS:
            payload[key] = value
        else:
            attributes[key] = value
    if attributes:
        payload["attributes"] = attributes
    return payload
