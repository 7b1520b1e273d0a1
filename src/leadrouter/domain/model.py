"""The nouns of lead routing, as plain immutable dataclasses.

These are not ORM rows and not API bodies: the store and the API translate at the edge.
Dates of licenses are calendar dates; instants are timezone-aware datetimes (UTC in the
store). Ids are integers given by the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    PRODUCER = "producer"
    CSR = "csr"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    COMPLIANCE = "compliance"


class LeadStatus(StrEnum):
    NEW = "new"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    QUOTED = "quoted"
    BOUND = "bound"
    LOST = "lost"
    NURTURE = "nurture"


class LicenseStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class BusinessLine(StrEnum):
    """What a producer sells; a coarser grain than a license's lines of authority."""

    PERSONAL = "personal"
    COMMERCIAL = "commercial"
    LIFE = "life"
    HEALTH = "health"


class LineOfAuthority(StrEnum):
    """The uniform lines of authority a state license grants (NAIC)."""

    PROPERTY = "property"
    CASUALTY = "casualty"
    PERSONAL_LINES = "personal_lines"
    LIFE = "life"
    ACCIDENT_HEALTH = "accident_health"
    VARIABLE = "variable"
    SURETY = "surety"
    TITLE = "title"


@dataclass(frozen=True)
class Shift:
    """One working interval on a weekday (0 = Monday), in the producer's local time."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Period:
    """A closed-open span of instants, e.g. an out-of-office period."""

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True)
class Producer:
    id: int
    agency_id: int
    name: str
    email: str
    phone: str | None = None
    timezone: str = "America/New_York"
    working_hours: tuple[Shift, ...] = ()
    out_of_office: tuple[Period, ...] = ()
    business_lines: frozenset[str] = frozenset()
    max_open: int | None = None
    max_daily: int | None = None
    team: str | None = None
    backup_producer_id: int | None = None
    role: Role = Role.PRODUCER
    active: bool = True
    weight: int = 1
    npn: str | None = None


@dataclass(frozen=True)
class License:
    id: int
    agency_id: int
    producer_id: int
    state: str
    number: str
    lines: frozenset[str]
    resident: bool
    effective_date: date
    expiration_date: date | None
    status: LicenseStatus = LicenseStatus.ACTIVE
    verified_at: datetime | None = None
    verified_by: str | None = None


@dataclass(frozen=True)
class Territory:
    """A slice of the map given to a pod (team) or to one producer."""

    id: int
    agency_id: int
    name: str
    zip_ranges: tuple[tuple[str, str], ...] = ()
    zip_prefixes: tuple[str, ...] = ()
    states: frozenset[str] = frozenset()
    counties: frozenset[str] = frozenset()
    pod: str | None = None
    producer_id: int | None = None
    business_lines: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Client:
    """An existing customer of the agency (from its management system)."""

    id: int
    agency_id: int
    name: str
    phone: str | None
    email: str | None
    owner_producer_id: int | None
    csr_producer_id: int | None


@dataclass(frozen=True)
class LeadSource:
    id: int
    agency_id: int
    name: str
    cost_per_lead: float = 0.0
    required_fields: tuple[str, ...] | None = None


def lead_display_name(
    first_name: str | None,
    last_name: str | None,
    phone: str | None = None,
    lead_id: int | None = None,
) -> str:
    """How a person reads a lead's name: "First Last" with what is missing left out; a caller
    or a lead given without a name by its phone, else by its number ("Lead 42")."""
    name = " ".join(part for part in (first_name, last_name) if part)
    if name:
        return name
    if phone:
        return phone
    return f"Lead {lead_id}" if lead_id is not None else ""


@dataclass(frozen=True)
class Lead:
    """A normalized lead as routing and timers see it."""

    id: int
    agency_id: int
    status: LeadStatus
    created_at: datetime
    insurance_type: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    zip: str | None = None
    state: str | None = None
    county: str | None = None
    city: str | None = None
    timezone: str | None = None
    source: str | None = None
    exclusive: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    client_id: int | None = None
    owner_id: int | None = None
    intent_tier: str | None = None
    do_not_contact: bool = False
