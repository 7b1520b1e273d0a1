"""An agency's intake settings: the dedupe window, required fields, insurance type overrides.

They live in ``agencies.settings`` under the keys of ``IntakeSettings``, beside other
settings that other parts of leadrouter keep there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.model import BusinessLine, LineOfAuthority

RequirableField = Literal[
    "first_name",
    "last_name",
    "email",
    "phone",
    "zip",
    "state",
    "insurance_type",
    "source",
    "current_carrier",
    "policy_expiration",
    "notes",
]
REQUIRABLE: frozenset[str] = frozenset(get_args(RequirableField))
DEFAULT_REQUIRED: tuple[RequirableField, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "zip",
    "insurance_type",
)
TypeCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
Alternative = Annotated[list[LineOfAuthority], Field(min_length=1, max_length=8)]


class TypeOverride(BaseModel):
    """How an agency changes, adds or turns off one insurance type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(default=None, min_length=1, max_length=100)
    business_line: BusinessLine | None = None
    requires: list[Alternative] | None = Field(
        default=None,
        min_length=1,
        max_length=8,
        description="Alternatives; each is a set of lines of authority that must all be held.",
    )
    enabled: bool = True


class IntakeSettings(BaseModel):
    """The intake part of an agency's settings, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dedupe_window_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="A lead with the same phone or email within this many days is a repeat; "
        "0 turns dedupe off.",
    )
    required_fields: tuple[RequirableField, ...] = Field(
        default=DEFAULT_REQUIRED,
        description="Fields a lead must have unless its source says otherwise.",
    )
    insurance_types: dict[TypeCode, TypeOverride] = Field(default_factory=dict)
    form_thank_you_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://[^\s]+$",
        description="Where a browser posting the public web form is sent afterwards (303); "
        "without it the form answers 202 JSON.",
    )
    call_insurance_type: TypeCode | None = Field(
        default=None,
        description="The insurance type of a live call that names none and whose caller has "
        "no earlier lead; unset: the policy's calls.default_insurance_type (docs/calls.md).",
    )
    sender_intent_tier: bool = Field(
        default=True,
        description="Keep the intent tier a sender gives at intake; false: the tier always "
        "comes from the lead's behavior events (docs/scoring.md).",
    )

    @field_validator("required_fields")
    @classmethod
    def _insurance_type_is_always_required(
        cls, fields: tuple[RequirableField, ...]
    ) -> tuple[RequirableField, ...]:
        if "insurance_type" not in fields:
            raise ValueError("must include insurance_type: every lead needs one")
        return tuple(dict.fromkeys(fields))

    @field_validator("insurance_types")
    @classmethod
    def _new_types_are_complete(cls, types: dict[str, TypeOverride]) -> dict[str, TypeOverride]:
        for code, spec in types.items():
            if (
                code not in DEFAULT_TYPES
                and spec.enabled
                and (spec.business_line is None or spec.requires is None)
            ):
                raise ValueError(f"{code} is a new type: give its business_line and requires")
        return types


DEFAULT_SETTINGS = IntakeSettings()
KEYS = tuple(IntakeSettings.model_fields)


def from_agency_settings(doc: Mapping[str, Any] | None) -> IntakeSettings:
    """The intake settings kept in an agency's settings document (validated when written)."""
    if not doc or not any(k in doc for k in KEYS):
        return DEFAULT_SETTINGS
    return IntakeSettings.model_validate({k: doc[k] for k in KEYS if k in doc})


def required_for_source(
    settings: IntakeSettings, source_required: list[Any] | None
) -> frozenset[str]:
    """The fields a lead must have: its source's list when it has one, else the agency's."""
    if source_required is None:
        return frozenset(settings.required_fields)
    return frozenset(f for f in source_required if f in REQUIRABLE) | {"insurance_type"}
