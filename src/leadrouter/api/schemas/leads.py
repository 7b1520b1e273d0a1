"""Request and response bodies of the lead endpoints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from leadrouter.api.ids import Instant
from leadrouter.domain.model import LeadStatus
from leadrouter.domain.outcomes import LostReason
from leadrouter.intake.contract import LeadFields


class LeadCreate(LeadFields):
    """A lead. By default first_name, last_name, email, phone, zip and insurance_type are
    required; a lead source or the agency's settings may require other fields."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "first_name": "Maria",
                "last_name": "Lopez",
                "email": "maria@example.com",
                "phone": "(212) 867-5309",
                "zip": "10001",
                "insurance_type": "personal_auto",
                "source": "website",
                "exclusive": True,
                "attributes": {"vehicles": 2},
            }
        }
    )


class StatusChangeOut(BaseModel):
    status: LeadStatus
    at: AwareDatetime
    reason: str | None


class DuplicateOut(BaseModel):
    matched_on: Literal["phone", "email"]
    touch_id: int
    touched_at: AwareDatetime


class LeadOut(BaseModel):
    """A lead as stored: normalized contact details, place, status and bookkeeping."""

    id: int
    status: LeadStatus
    first_name: str
    last_name: str
    email: str | None
    phone: str | None = Field(description="E.164, e.g. +12128675309.")
    zip: str | None
    state: str | None
    county: str | None
    city: str | None
    timezone: str | None = Field(description="IANA time zone of the ZIP code.")
    insurance_type: str
    business_line: str | None
    source: str | None
    current_carrier: str | None
    policy_expiration: date | None
    exclusive: bool
    notes: str | None
    attributes: dict[str, Any]
    flags: dict[str, Any] = Field(description='E.g. {"state_mismatch": {"given", "zip_state"}}.')
    client_id: int | None = Field(description="The existing client matched by phone or email.")
    related_lead_id: int | None = Field(
        default=None,
        description="The consumer's earlier lead for another line (same phone or email within "
        "the dedupe window): this lead is its own, and routing prefers that lead's owner.",
    )
    owner_id: int | None
    intent_tier: str | None
    do_not_contact: bool
    touch_count: int = Field(
        description="Requests for this lead: 1, plus each repeat for the same line within the "
        "dedupe window (2 or more: the consumer asked again)."
    )
    last_touch_at: AwareDatetime = Field(description="When the consumer last asked.")
    created_at: AwareDatetime
    status_changed_at: AwareDatetime
    first_assigned_at: AwareDatetime | None = None
    first_contact_at: AwareDatetime | None = None
    response_seconds: int | None = Field(
        default=None, description="From arrival to the first contact made (the speed timer)."
    )
    premium: str | None = Field(default=None, description='Bound premium, e.g. "1250.00".')
    intent_score: float | None = Field(
        default=None, description="Points of the intent rubric, from the lead's events."
    )
    intent_source: Literal["sender", "events"] | None = Field(
        default=None, description="Where intent_tier came from, once events were scored."
    )
    predicted_conversion: float | None = Field(
        default=None, description="The propensity model's probability that the lead binds."
    )
    quoted_at: AwareDatetime | None = Field(default=None, description="First quoted.")
    quoted_premium: str | None = Field(default=None, description="The premium quoted.")
    bound_at: AwareDatetime | None = None
    policy_number: str | None = None
    commission: str | None = Field(default=None, description="Commission on the bind.")
    lost_reason: str | None = None
    status_history: list[StatusChangeOut] | None = Field(
        default=None, description="Only on GET /v1/leads/{id}."
    )
    duplicate_of: int | None = Field(
        default=None,
        description="Set when this post repeated an existing lead for the same line (status "
        "200): the request is recorded on that lead (touch_count, last_touch_at) and its owner "
        "is told. A request for another line is a new lead (201) with related_lead_id.",
    )
    duplicate: DuplicateOut | None = None


class LeadPageOut(BaseModel):
    items: list[LeadOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class LeadQuery(BaseModel):
    """Filters of GET /v1/leads."""

    model_config = ConfigDict(extra="forbid")

    status: list[LeadStatus] = Field(default_factory=list)
    insurance_type: str | None = Field(default=None, max_length=50)
    state: str | None = Field(default=None, min_length=2, max_length=2)
    source: str | None = Field(default=None, max_length=200)
    created_after: Instant | None = None
    created_before: Instant | None = None
    owner_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    q: str | None = Field(default=None, max_length=200, description="Name, email or phone.")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=100)


Money = Annotated[Decimal, Field(ge=0, lt=10**10, decimal_places=2)]


class StatusChangeIn(BaseModel):
    """An outcome recorded by a person; queued and assigned are set by routing only."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["contacted", "quoted", "bound", "lost", "nurture"]
    reason: str | None = Field(default=None, max_length=500)
    premium: Money | None = Field(
        default=None,
        description="Quoted: the premium quoted. Bound: the written premium (both are sent "
        "in lead.outcome).",
    )
    policy_number: str | None = Field(
        default=None, min_length=1, max_length=100, description="Bound only."
    )
    commission: Money | None = Field(
        default=None,
        description="Bound only; without it, the premium times the agency's commission rate.",
    )
    lost_reason: LostReason | None = Field(default=None, description="Lost only.")


class BindCorrectionIn(BaseModel):
    """A correction of a bound lead's bind; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    premium: Money | None = None
    commission: Money | None = Field(
        default=None, description="Without it, a new premium recomputes the commission."
    )
    policy_number: str | None = Field(default=None, min_length=1, max_length=100)


class EventCreate(BaseModel):
    """A behavioral event: what the prospect did, and when."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(pattern=r"^[a-z][a-z0-9_.:-]{0,49}$", examples=["quote_started"])
    at: Instant
    data: dict[str, Any] = Field(default_factory=dict, description="At most 4096 bytes as JSON.")


class EventOut(BaseModel):
    id: int
    lead_id: int
    type: str
    at: AwareDatetime
    data: dict[str, Any]
    created_at: AwareDatetime


class FormReceived(BaseModel):
    status: Literal["received"] = "received"
