"""The shape of a lead as integrators send it: types and sizes, before any normalization.

Every field is optional here; which ones a lead must have depends on its source and agency
(``intake.settings``). Unknown fields are refused so that integrators see their typos.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from leadrouter.errors import FieldError

MAX_ATTRIBUTES_BYTES = 8192
MAX_ATTRIBUTES_DEPTH = 8


def storable_text(value: str) -> str:
    """Refuse what no database column can hold: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def storable_object(
    value: dict[str, Any], *, max_bytes: int = MAX_ATTRIBUTES_BYTES
) -> dict[str, Any]:
    """A JSON object small, shallow and clean enough to store: no NaN, NUL or lone surrogates."""
    try:
        size = len(json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8"))
    except ValueError:
        raise ValueError("must hold only finite numbers and valid Unicode text") from None
    if size > max_bytes:
        raise ValueError(f"must be at most {max_bytes} bytes as JSON, not {size}")
    _check_tree(value, 1)
    return value


def _check_tree(value: Any, depth: int) -> None:
    if isinstance(value, dict | list) and depth > MAX_ATTRIBUTES_DEPTH:
        raise ValueError(f"must nest at most {MAX_ATTRIBUTES_DEPTH} levels deep")
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise ValueError("must not contain NUL characters")
            _check_tree(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_tree(item, depth + 1)
    elif isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")


class LeadFields(BaseModel):
    """A lead body, typed; the API documents it and intake validates every lead with it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Any format; stored as E.164. A North American (+1) number: one abroad "
        "is refused (422), as are fictional (555-01xx) and premium-rate numbers.",
    )
    zip: str | None = Field(default=None, max_length=10, description="12345 or 12345-6789.")
    state: str | None = Field(
        default=None,
        max_length=2,
        description="Two-letter code; the ZIP's state wins when they disagree.",
    )
    insurance_type: str | None = Field(
        default=None,
        max_length=50,
        description="A code such as personal_auto, home, bop, medicare.",
    )
    source: str | None = Field(default=None, max_length=200, description="The lead source's name.")
    current_carrier: str | None = Field(default=None, max_length=200)
    policy_expiration: date | None = None
    exclusive: bool | None = None
    notes: str | None = Field(default=None, max_length=5000)
    intent_tier: Literal["high", "medium", "low"] | None = Field(
        default=None,
        description="The sender's own intent score, when it has one; the policy's intent "
        "tier rules route on it.",
    )
    attributes: Annotated[dict[str, Any], AfterValidator(storable_object)] | None = Field(
        default=None, description=f"Free JSON object, at most {MAX_ATTRIBUTES_BYTES} bytes."
    )

    @field_validator(
        "first_name",
        "last_name",
        "email",
        "phone",
        "zip",
        "state",
        "insurance_type",
        "source",
        "current_carrier",
        "notes",
    )
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        return None if value is None else storable_text(value)


FIELD_NAMES: tuple[str, ...] = tuple(LeadFields.model_fields)


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as FieldErrors: a dotted path and a plain reason."""
    return [
        FieldError(".".join(str(p) for p in err["loc"]) or "body", reason_of(err))
        for err in exc.errors(include_url=False)
    ]


def reason_of(err: ErrorDetails) -> str:
    """One pydantic error in words an integrator reads."""
    if err["type"] == "extra_forbidden":
        return "is not a field we know"
    if err["type"] == "missing":
        return "is required"
    return err["msg"].removeprefix("Value error, ")
