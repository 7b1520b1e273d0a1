"""Webhook endpoints of the agency, and the inbound-SMS hook that hears STOP."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from leadrouter.api import provider_hooks
from leadrouter.api.deps import ContainerDep, ManagerDep
from leadrouter.api.ids import RowId
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.notifications import (
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)
from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.services.admin import security
from leadrouter.services.admin import webhook_endpoints as endpoints
from leadrouter.services.leads import opt_out

router = APIRouter(tags=["webhooks"])
hooks_router = APIRouter(tags=["inbound hooks"])
EndpointId = RowId
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def _out(endpoint: endpoints.Endpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(**dataclasses.asdict(endpoint))


@router.post(
    "/webhook-endpoints",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookEndpointOut,
)
def create_webhook_endpoint(
    body: WebhookEndpointCreate, container: ContainerDep, principal: ManagerDep
) -> WebhookEndpointOut:
    """Subscribe a URL to events; the signing secret is shown here and on rotation only."""
    endpoint = endpoints.create_endpoint(
        uow=container.uow(),
        sealer=container.sealer,
        agency_id=principal.agency_id,
        url=str(body.url),
        events=list(body.events),
        secret=body.secret,
        description=body.description,
        now=container.clock.now(),
    )
    return _out(endpoint)


@router.get("/webhook-endpoints", response_model=PageOut[WebhookEndpointOut])
def list_webhook_endpoints(
    container: ContainerDep, principal: ManagerDep, limit: Limit = 50, cursor: Cursor = None
) -> PageOut[WebhookEndpointOut]:
    """The agency's webhook endpoints, oldest first, a page at a time."""
    found = endpoints.list_endpoints(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, _out)


@router.get("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointOut)
def get_webhook_endpoint(
    endpoint_id: EndpointId, container: ContainerDep, principal: ManagerDep
) -> WebhookEndpointOut:
    """One webhook endpoint."""
    return _out(
        endpoints.get_endpoint(
            uow=container.uow(readonly=True), agency_id=principal.agency_id, endpoint_id=endpoint_id
        )
    )


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=WebhookEndpointOut)
def update_webhook_endpoint(
    endpoint_id: EndpointId,
    body: WebhookEndpointUpdate,
    container: ContainerDep,
    principal: ManagerDep,
) -> WebhookEndpointOut:
    """Change an endpoint; with ``rotate_secret`` the new secret is in the answer."""
    endpoint = endpoints.update_endpoint(
        uow=container.uow(),
        sealer=container.sealer,
        agency_id=principal.agency_id,
        endpoint_id=endpoint_id,
        url=None if body.url is None else str(body.url),
        events=None if body.events is None else list(body.events),
        active=body.active,
        description=body.description,
        rotate_secret=body.rotate_secret,
        now=container.clock.now(),
    )
    return _out(endpoint)


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook_endpoint(
    endpoint_id: EndpointId, container: ContainerDep, principal: ManagerDep
) -> None:
    """Remove an endpoint; deliveries still waiting for it become dead letters."""
    endpoints.delete_endpoint(
        uow=container.uow(), agency_id=principal.agency_id, endpoint_id=endpoint_id
    )


@hooks_router.post(
    "/hooks/sms/{form_key}",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "TwiML (a reply to HELP)."},
        403: {"description": "Missing or wrong X-Twilio-Signature.", **PROBLEM},
        404: {"description": "No such form.", **PROBLEM},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["From"],
                        "properties": {
                            "From": {"type": "string", "maxLength": 40},
                            "Body": {"type": "string", "maxLength": 1600},
                        },
                    }
                }
            }
        }
    },
)
async def inbound_sms(
    form_key: Annotated[str, Path(max_length=64)],
    request: Request,
    container: ContainerDep,
) -> Response:
    """A provider's inbound text, signed with the agency's SMS auth token (Twilio's scheme).

    STOP and friends opt the sender out, START/UNSTOP opt them back in, HELP is answered.
    An unsigned or wrongly signed request is refused (403) and nothing is recorded.
    """
    agency = await run_in_threadpool(
        security.hook_agency,
        uow=container.uow(readonly=True),
        sealer=container.sealer,
        form_key=form_key,
    )
    async with request.form(max_files=0, max_fields=64) as form:
        params = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    provider_hooks.verify_twilio(
        token=agency.sms_auth_token,
        url=provider_hooks.public_url(request, container.settings.public_base_url),
        params=params,
        signature=request.headers.get(provider_hooks.TWILIO_SIGNATURE),
    )
    sender, text = params.get("From"), params.get("Body") or ""
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 40:
        raise ValidationFailed("From is required", [FieldError("From", "is required")])
    heard = await run_in_threadpool(
        opt_out.receive_inbound_sms,
        uow=container.uow(),
        agency_id=agency.agency_id,
        from_number=sender,
        body=str(text)[:1600],
        now=container.clock.now(),
    )
    return Response(
        content=provider_hooks.twiml_reply(heard.keyword, agency.name),
        media_type="application/xml",
    )
