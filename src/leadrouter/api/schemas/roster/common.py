"""Types and helpers the roster bodies share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from leadrouter.roster import fields

Email = Annotated[str, AfterValidator(fields.email), Field(examples=["ana@example.com"])]
Phone = Annotated[str, AfterValidator(fields.phone), Field(examples=["(212) 555-0101"])]
TimeZone = Annotated[
    str, AfterValidator(fields.parse_timezone), Field(examples=["America/New_York"])
]
State = Annotated[str, AfterValidator(fields.parse_state), Field(examples=["NY"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100, examples=["P001"])]


class Body(BaseModel):
    """A request body: unknown fields are refused, to help integrators find typos."""

    model_config = ConfigDict(extra="forbid")

    def given(self, names: Any = None) -> dict[str, Any]:
        """The fields the caller sent (all of them when ``names`` is None)."""
        chosen = type(self).model_fields if names is None else names
        return {name: getattr(self, name) for name in chosen}


def refuse_null(value: Any) -> Any:
    """A partial update may leave a field out, but not set a required one to null."""
    if value is None:
        raise ValueError("may not be null")
    return value
