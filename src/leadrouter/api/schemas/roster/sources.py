"""Lead source bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator

from leadrouter.api.schemas.roster.common import Body, Name
from leadrouter.api.schemas.roster.common import refuse_null as _refuse_null
from leadrouter.intake.settings import RequirableField
from leadrouter.roster.specs import SourceSpec
from leadrouter.store.roster_records import SourceRecord


class SourceFields(Body):
    required_fields: list[RequirableField] | None = Field(
        default=None, description="Lead fields this source must send; None: the agency's."
    )
    active: bool = True

    def spec_values(self, names: Any = None) -> dict[str, Any]:
        values = self.given(names)
        if values.get("required_fields") is not None:
            values["required_fields"] = tuple(sorted(set(values["required_fields"])))
        return values


class SourceCreate(SourceFields):
    """Where leads come from, and what each one costs."""

    name: Name
    cost_per_lead: Decimal = Field(
        default=Decimal("0.00"), ge=0, lt=100_000_000, decimal_places=2, examples=["18.50"]
    )

    def to_spec(self) -> SourceSpec:
        return SourceSpec(**self.spec_values())


class SourcePatch(SourceFields):
    name: Name | None = None
    cost_per_lead: Decimal | None = Field(default=None, ge=0, lt=100_000_000, decimal_places=2)

    _not_null = field_validator("name", "cost_per_lead", "active", mode="before")(_refuse_null)

    def changes(self) -> dict[str, Any]:
        return self.spec_values(self.model_fields_set)


class SourceOut(BaseModel):
    id: int
    name: str
    cost_per_lead: float
    required_fields: list[str] | None
    active: bool

    @classmethod
    def of(cls, record: SourceRecord) -> SourceOut:
        s = record.source
        return cls(
            id=s.id,
            name=s.name,
            cost_per_lead=float(record.cost_per_lead),
            required_fields=None if s.required_fields is None else list(s.required_fields),
            active=record.active,
        )
