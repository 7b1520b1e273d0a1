"""Bodies of the outbox, alert and webhook-endpoint endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, Field

from leadrouter.notify.webhook import WebhookEvent

OutboxStatus = Literal["pending", "sending", "sent", "dead"]
OutboxChannel = Literal["email", "sms", "webhook", "inapp"]


class OutboxItem(BaseModel):
    id: int
    channel: OutboxChannel
    event: str
    recipient: str = Field(
        description="Email address, E.164 number, endpoint id or producer:<id> / role:<role>."
    )
    status: OutboxStatus
    attempts: int
    next_attempt_at: AwareDatetime | None = Field(description="When it is tried next, if ever.")
    last_error: str | None
    provider_ref: str | None = Field(description="Message-ID, SMS sid, HTTP status or alert.")
    payload: dict[str, Any]
    created_at: AwareDatetime
    sent_at: AwareDatetime | None


class AlertOut(BaseModel):
    id: int
    producer_id: int | None
    role: str | None
    lead_id: int | None
    kind: str
    message: str
    created_at: AwareDatetime
    read_at: AwareDatetime | None


class WebhookEndpointCreate(BaseModel):
    url: AnyHttpUrl
    events: list[WebhookEvent] = Field(min_length=1)
    description: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(
        default=None,
        max_length=100,
        description="A Standard Webhooks secret (whsec_ + base64 of 24 to 64 bytes); one is "
        "generated when left out.",
    )


class WebhookEndpointUpdate(BaseModel):
    url: AnyHttpUrl | None = None
    events: list[WebhookEvent] | None = Field(default=None, min_length=1)
    active: bool | None = None
    description: str | None = Field(default=None, max_length=200)
    rotate_secret: bool = Field(
        default=False,
        description="Issue a new signing secret; the old one keeps signing beside it for 24 h.",
    )


class WebhookEndpointOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    description: str | None
    created_at: AwareDatetime
    secret: str | None = Field(
        default=None,
        description="The signing secret: only in the answers to creation and rotation. "
        "Verify webhook-signature with it (Standard Webhooks; docs/webhooks.md).",
    )
