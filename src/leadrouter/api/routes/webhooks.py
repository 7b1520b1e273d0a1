"""Webhook endpoints of the agency, and the inbound-SMS hook that hears STOP."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Form, Path, Response, status

from leadrouter.api.deps import ContainerDep, ManagerDep
from leadrouter.api.ids import RowId
from leadrouter.api.schemas.notifications import (
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)
from leadrouter.services.admin import webhook_endpoints as endpoints
from leadrouter.services.leads import opt_out

router = APIRouter(tags=["webhooks"])
hooks_router = APIRouter(tags=["inbound hooks"])
EndpointId = RowId
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _out(endpoint: endpoints.Endpoint, *, with_secret: bool = False) -> WebhookEndpointOut:
    fields = dataclasses.asdict(endpoint)
    if not with_secret:
        fields.pop("secret")
    return WebhookEndpointOut(**fields)


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
        agency_id=principal.agency_id,
        url=str(body.url),
        events=list(body.events),
        secret=body.secret,
        description=body.description,
        now=container.clock.now(),
    )
    return _out(endpoint, with_secret=True)


@router.get("/webhook-endpoints", response_model=list[WebhookEndpointOut])
def list_webhook_endpoints(
    container: ContainerDep, principal: ManagerDep
) -> list[WebhookEndpointOut]:
    """The agency's webhook endpoints."""
    found = endpoints.list_endpoints(
        uow=container.uow(readonly=True), agency_id=principal.agency_id
    )
    return [_out(e) for e in found]


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
        agency_id=principal.agency_id,
        endpoint_id=endpoint_id,
        url=None if body.url is None else str(body.url),
        events=None if body.events is None else list(body.events),
        active=body.active,
        description=body.description,
        rotate_secret=body.rotate_secret,
    )
    return _out(endpoint, with_secret=body.rotate_secret)


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
    responses={200: {"content": {"application/xml": {}}, "description": "Empty TwiML."}},
)
def inbound_sms(
    form_key: Annotated[str, Path(max_length=64)],
    container: ContainerDep,
    sender: Annotated[str, Form(alias="From", max_length=40)],
    text: Annotated[str, Form(alias="Body", max_length=1600)] = "",
) -> Response:
    """Twilio-style inbound text (form-encoded From, Body): STOP and friends opt the sender out."""
    opt_out.receive_inbound_sms(
        uow=container.uow(),
        form_key=form_key,
        from_number=sender,
        body=text,
        now=container.clock.now(),
    )
    return Response(content=EMPTY_TWIML, media_type="application/xml")
