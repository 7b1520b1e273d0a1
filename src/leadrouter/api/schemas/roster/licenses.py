"""License bodies. Lines of authority accept common spellings ("Accident & Health", "P&C")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator

from leadrouter.api.ids import RowIdField
from leadrouter.api.schemas.roster.common import Body, State
from leadrouter.api.schemas.roster.common import refuse_null as _refuse_null
from leadrouter.domain.model import LicenseStatus
from leadrouter.roster import fields
from leadrouter.roster.specs import LicenseSpec
from leadrouter.store.roster_records import LicenseRecord


def _authority(raw: list[str]) -> list[str]:
    lines: set[str] = set()
    for item in raw:
        lines |= fields.parse_authority(item)
    return sorted(lines)


Authority = Annotated[
    list[str],
    Field(min_length=1, examples=[["property", "casualty", "personal_lines"]]),
    AfterValidator(_authority),
]
Number = Annotated[str, Field(min_length=1, max_length=50)]


class LicenseFields(Body):
    expiration_date: date | None = Field(default=None, description="None: no expiry.")
    status: LicenseStatus = LicenseStatus.ACTIVE

    def spec_values(self, names: Any = None) -> dict[str, Any]:
        values = self.given(names)
        if values.get("lines") is not None:
            values["lines"] = frozenset(values["lines"])
        if values.get("status") is not None:
            values["status"] = values["status"].value
        return values


class LicenseCreate(LicenseFields):
    """A producer's state license. It is pending, and grants nothing, until a key with the
    compliance role verifies it (a license created by such a key is verified at once)."""

    producer_id: RowIdField
    state: State
    number: Number
    lines: Authority
    resident: bool
    effective_date: date

    def to_spec(self) -> LicenseSpec:
        return LicenseSpec(**self.spec_values())


class LicensePatch(LicenseFields):
    """Some fields of a license; a change that could grant more makes it pending again."""

    producer_id: RowIdField | None = None
    state: State | None = None
    number: Number | None = None
    lines: Authority | None = None
    resident: bool | None = None
    effective_date: date | None = None

    _not_null = field_validator(
        "producer_id",
        "state",
        "number",
        "lines",
        "resident",
        "effective_date",
        "status",
        mode="before",
    )(_refuse_null)

    def changes(self) -> dict[str, Any]:
        return self.spec_values(self.model_fields_set)


class LicenseOut(BaseModel):
    id: int
    producer_id: int
    state: str
    number: str
    lines: list[str]
    resident: bool
    effective_date: date
    expiration_date: date | None
    status: str
    verified: bool = Field(description="Only a verified license counts for routing.")
    verified_at: AwareDatetime | None
    verified_by: str | None
    source: str = Field(description="How it got here: api or csv.")

    @classmethod
    def of(cls, record: LicenseRecord) -> LicenseOut:
        lic = record.license
        return cls(
            id=lic.id,
            producer_id=lic.producer_id,
            state=lic.state,
            number=lic.number,
            lines=sorted(lic.lines),
            resident=lic.resident,
            effective_date=lic.effective_date,
            expiration_date=lic.expiration_date,
            status=lic.status.value,
            verified=lic.verified_at is not None,
            verified_at=lic.verified_at,
            verified_by=lic.verified_by,
            source=record.source,
        )
