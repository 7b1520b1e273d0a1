"""What a caller asks the roster to hold: normalized values, references already as ids.

The API and the CSV importer both build these; the services check references and write
them. ``spec_errors`` holds the rules that span several fields, so a partial update that
breaks one is refused the same way a bad create is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from leadrouter.domain.model import LicenseStatus, Period, Role, Shift
from leadrouter.errors import FieldError
from leadrouter.intake.settings import REQUIRABLE

DEFAULT_HOURS: tuple[Shift, ...] = tuple(Shift(day, time(9), time(17)) for day in range(5))


@dataclass(frozen=True)
class ProducerSpec:
    name: str
    email: str
    external_id: str | None = None
    phone: str | None = None
    timezone: str | None = None
    """None: the agency's time zone (filled in when the producer is written)."""
    working_hours: tuple[Shift, ...] = DEFAULT_HOURS
    out_of_office: tuple[Period, ...] = ()
    business_lines: frozenset[str] = frozenset()
    max_open: int | None = None
    max_daily: int | None = None
    team: str | None = None
    backup_producer_id: int | None = None
    role: str = Role.PRODUCER.value
    active: bool = True
    weight: int = 1
    npn: str | None = None


@dataclass(frozen=True)
class LicenseSpec:
    producer_id: int
    state: str
    number: str
    lines: frozenset[str]
    resident: bool
    effective_date: date
    expiration_date: date | None = None
    status: str = LicenseStatus.ACTIVE.value


@dataclass(frozen=True)
class TerritorySpec:
    name: str
    zip_ranges: tuple[tuple[str, str], ...] = ()
    zip_prefixes: tuple[str, ...] = ()
    states: frozenset[str] = frozenset()
    counties: frozenset[str] = frozenset()
    pod: str | None = None
    producer_id: int | None = None
    business_lines: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ClientSpec:
    name: str
    phone: str | None = None
    email: str | None = None
    external_id: str | None = None
    owner_producer_id: int | None = None
    csr_producer_id: int | None = None


@dataclass(frozen=True)
class SourceSpec:
    name: str
    cost_per_lead: Decimal = Decimal("0.00")
    required_fields: tuple[str, ...] | None = None
    active: bool = True


Spec = ProducerSpec | LicenseSpec | TerritorySpec | ClientSpec | SourceSpec


def spec_errors(spec: Spec) -> list[FieldError]:
    """The rules that span fields of one spec (each field alone is already valid)."""
    errors: list[FieldError] = []
    if isinstance(spec, LicenseSpec):
        if spec.expiration_date is not None and spec.expiration_date <= spec.effective_date:
            errors.append(FieldError("expiration_date", "must be after the effective date"))
    elif isinstance(spec, TerritorySpec):
        if (spec.pod is None) == (spec.producer_id is None):
            errors.append(FieldError("pod", "give either a pod or a producer, not both or none"))
        if not (spec.zip_ranges or spec.zip_prefixes or spec.states or spec.counties):
            errors.append(
                FieldError("zip_ranges", "give ZIP ranges, ZIP prefixes, states or counties")
            )
    elif isinstance(spec, ClientSpec):
        if spec.phone is None and spec.email is None:
            errors.append(FieldError("phone", "give a phone or an email, so leads can match"))
    elif isinstance(spec, SourceSpec) and spec.required_fields is not None:
        unknown = sorted(set(spec.required_fields) - REQUIRABLE)
        if unknown:
            errors.append(
                FieldError(
                    "required_fields",
                    f"unknown lead field(s) {', '.join(unknown)}; "
                    f"use {', '.join(sorted(REQUIRABLE))}",
                )
            )
    return errors
