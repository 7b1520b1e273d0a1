"""A lead body → a normalized lead (E.164 phone, clean email, ZIP → place), or every error."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from leadrouter.domain.insurance import InsuranceType
from leadrouter.errors import FieldError
from leadrouter.intake import geography
from leadrouter.intake.contract import FIELD_NAMES, LeadFields, reason_of
from leadrouter.intake.emails import InvalidEmail, normalize_email
from leadrouter.intake.insurance_types import canonical_code
from leadrouter.intake.phones import InvalidPhone, consumer_number_problem, parse_phone


@dataclass(frozen=True)
class NormalizedLead:
    """A lead ready to store: every value checked, contact details in canonical form."""

    insurance_type: str
    business_line: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    phone_extension: str | None = None
    zip: str | None = None
    state: str | None = None
    county: str | None = None
    city: str | None = None
    timezone: str | None = None
    source_name: str | None = None
    current_carrier: str | None = None
    policy_expiration: date | None = None
    exclusive: bool = False
    notes: str | None = None
    intent_tier: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)


def parse_fields(payload: Mapping[str, Any]) -> tuple[LeadFields, dict[str, str]]:
    """The well-typed fields of ``payload`` and, by field, why each other field was refused."""
    try:
        return LeadFields.model_validate(payload), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            errors.setdefault(str(err["loc"][0]) if err["loc"] else "body", reason_of(err))
    # Validate the rest again without the bad fields, so their values can still be checked.
    good = {k: v for k, v in payload.items() if k not in errors}
    return LeadFields.model_validate(good), errors


@dataclass(frozen=True)
class Prepared:
    """A lead body checked as far as it can be without its agency's settings."""

    values: dict[str, Any]
    normalized: dict[str, Any]
    errors: dict[str, str]


def prepare(payload: Mapping[str, Any]) -> Prepared:
    """Types, phone, email and ZIP: the costly part, done before any database lock is taken."""
    fields, errors = parse_fields(payload)
    values = {k: v for k, v in fields.model_dump(exclude_none=True).items() if v != ""}
    if "phone" not in values and "email" not in values and not errors.keys() & {"phone", "email"}:
        errors["phone"] = "give a phone or an email: a lead must be reachable"
    out: dict[str, Any] = {"flags": {}}
    _contact(values, out, errors)
    _place(values, out, errors)
    return Prepared(values, out, errors)


def complete(
    prepared: Prepared, *, required: frozenset[str], types: Mapping[str, InsuranceType]
) -> NormalizedLead | list[FieldError]:
    """The normalized lead under the agency's rules, or one FieldError per bad field."""
    values, errors = prepared.values, dict(prepared.errors)
    out = {**prepared.normalized, "flags": dict(prepared.normalized["flags"])}
    for name in required:
        if name not in values and name not in errors:
            errors[name] = "is required"
    _insurance_type(values, out, errors, types)
    if errors:
        return [FieldError(name, errors[name]) for name in _in_field_order(errors)]
    for name in ("first_name", "last_name"):
        out[name] = clean_name(values.get(name, ""))
    for name in ("current_carrier", "policy_expiration", "notes", "intent_tier"):
        out[name] = values.get(name)
    out["source_name"] = values.get("source")
    out["exclusive"] = bool(values.get("exclusive", False))
    out["attributes"] = values.get("attributes", {})
    return NormalizedLead(**out)


def normalize(
    payload: Mapping[str, Any],
    *,
    required: frozenset[str],
    types: Mapping[str, InsuranceType],
) -> NormalizedLead | list[FieldError]:
    """The normalized lead, or one FieldError per bad field (all of them, in field order)."""
    return complete(prepare(payload), required=required, types=types)


def clean_name(raw: str) -> str:
    """A name without control or format characters (a CR/LF could forge email headers)."""
    kept = "".join(" " if ch in "\t\r\n" else ch for ch in raw)
    kept = "".join(ch for ch in kept if unicodedata.category(ch) not in {"Cc", "Cf"})
    return " ".join(kept.split())


def _contact(values: dict[str, Any], out: dict[str, Any], errors: dict[str, str]) -> None:
    if "phone" in values:
        try:
            number, out["phone"], out["phone_extension"] = parse_phone(values["phone"])
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
        else:
            problem = consumer_number_problem(number)
            if problem is not None:
                errors["phone"] = problem
    if "email" in values:
        try:
            out["email"] = normalize_email(values["email"])
        except InvalidEmail as exc:
            errors["email"] = str(exc)


def _place(values: dict[str, Any], out: dict[str, Any], errors: dict[str, str]) -> None:
    given_state = values.get("state", "").upper() or None
    if given_state and given_state not in geography.known_states():
        errors["state"] = "is not a US state or territory code"
        given_state = None
    out["state"] = given_state
    if "zip" not in values:
        return
    zip5 = geography.five_digit_zip(values["zip"])
    if zip5 is None:
        errors["zip"] = "is not a ZIP code (12345 or 12345-6789)"
        return
    place = geography.place_of(zip5)
    if place is None:
        errors["zip"] = "is not a known ZIP code"
        return
    out.update(
        zip=zip5, state=place.state, county=place.county, city=place.city, timezone=place.timezone
    )
    if place.timezone_note is not None:
        out["flags"]["timezone"] = place.timezone_note  # "fallback" or "disputed"
    if given_state and given_state != place.state:
        out["flags"]["state_mismatch"] = {"given": given_state, "zip_state": place.state}


def _insurance_type(
    values: dict[str, Any],
    out: dict[str, Any],
    errors: dict[str, str],
    types: Mapping[str, InsuranceType],
) -> None:
    if "insurance_type" not in values:
        return
    chosen = types.get(canonical_code(values["insurance_type"]))
    if chosen is None:
        errors["insurance_type"] = (
            f"is not an insurance type this agency accepts; one of: {', '.join(sorted(types))}"
        )
        return
    out["insurance_type"] = chosen.code
    out["business_line"] = str(chosen.business_line)


def _in_field_order(errors: dict[str, str]) -> list[str]:
    order = {name: i for i, name in enumerate(FIELD_NAMES)}
    return sorted(errors, key=lambda name: (order.get(name, len(order)), name))
