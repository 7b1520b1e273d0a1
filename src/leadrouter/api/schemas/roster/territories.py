"""Territory bodies: ZIP ranges as "10001-10099", counties as "NY:Kings County"."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, field_validator

from leadrouter.api.ids import RowIdField
from leadrouter.api.schemas.roster.common import Body, Name, State
from leadrouter.api.schemas.roster.common import refuse_null as _refuse_null
from leadrouter.domain.model import BusinessLine, Territory
from leadrouter.roster import fields
from leadrouter.roster.counties import parse_county
from leadrouter.roster.specs import TerritorySpec

ZipRange = Annotated[str, Field(examples=["10001-10099"])]
ZipPrefix = Annotated[str, AfterValidator(fields.parse_zip_prefix), Field(examples=["100"])]
County = Annotated[str, AfterValidator(parse_county), Field(examples=["NY:Kings County"])]


class TerritoryFields(Body):
    zip_ranges: list[ZipRange] = []
    zip_prefixes: list[ZipPrefix] = []
    states: list[State] = []
    counties: list[County] = []
    pod: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The team that takes its leads (or give producer_id).",
    )
    producer_id: RowIdField | None = Field(default=None, description="Or one producer takes them.")
    business_lines: list[BusinessLine] = Field(
        default=[], description="Line focus; empty: every line."
    )

    @field_validator("zip_ranges")
    @classmethod
    def _ranges(cls, value: list[str]) -> list[str]:
        return [f"{lo}-{hi}" for lo, hi in (fields.parse_zip_range(v) for v in value)]

    def spec_values(self, names: Any = None) -> dict[str, Any]:
        values = self.given(names)
        converters: dict[str, Any] = {
            "zip_ranges": lambda v: tuple(sorted({fields.parse_zip_range(r) for r in v})),
            "zip_prefixes": lambda v: tuple(sorted(set(v))),
            "states": frozenset,
            "counties": frozenset,
            "business_lines": lambda v: frozenset(b.value for b in v),
        }
        for name, convert in converters.items():
            if name in values:
                values[name] = convert(values[name])
        return values


class TerritoryCreate(TerritoryFields):
    """A slice of the map (ZIP ranges or prefixes, states, counties) for a pod or a producer."""

    name: Name

    def to_spec(self) -> TerritorySpec:
        return TerritorySpec(**self.spec_values())


class TerritoryPatch(TerritoryFields):
    name: Name | None = None

    _not_null = field_validator(
        "name",
        "zip_ranges",
        "zip_prefixes",
        "states",
        "counties",
        "business_lines",
        mode="before",
    )(_refuse_null)

    def changes(self) -> dict[str, Any]:
        return self.spec_values(self.model_fields_set)


class TerritoryOut(BaseModel):
    id: int
    name: str
    zip_ranges: list[str]
    zip_prefixes: list[str]
    states: list[str]
    counties: list[str]
    pod: str | None
    producer_id: int | None
    business_lines: list[str]

    @classmethod
    def of(cls, t: Territory) -> TerritoryOut:
        return cls(
            id=t.id,
            name=t.name,
            zip_ranges=[f"{lo}-{hi}" for lo, hi in t.zip_ranges],
            zip_prefixes=list(t.zip_prefixes),
            states=sorted(t.states),
            counties=sorted(t.counties),
            pod=t.pod,
            producer_id=t.producer_id,
            business_lines=sorted(t.business_lines),
        )
