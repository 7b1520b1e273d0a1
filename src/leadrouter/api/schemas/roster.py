"""Request and response bodies of the roster endpoints (producers and licenses here; the
rest in ``roster_places``). Values are checked by the same parsers as the CSV importer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from leadrouter.domain.model import BusinessLine, LicenseStatus, Period, Shift
from leadrouter.intake.emails import normalize_email
from leadrouter.intake.phones import to_e164
from leadrouter.roster import fields
from leadrouter.roster.specs import DEFAULT_HOURS, LicenseSpec, ProducerSpec
from leadrouter.store.roster_repo import LicenseRecord, ProducerRecord

T = TypeVar("T")


def _phone(raw: str) -> str:
    try:
        return to_e164(raw)
    except ValueError as exc:
        raise ValueError(f"{raw!r} {exc}") from None


def _authority(raw: list[str]) -> list[str]:
    lines: set[str] = set()
    for item in raw:
        lines |= fields.parse_authority(item)
    return sorted(lines)


Email = Annotated[str, AfterValidator(normalize_email)]
Phone = Annotated[str, AfterValidator(_phone)]
TimeZone = Annotated[str, AfterValidator(fields.parse_timezone)]
State = Annotated[str, AfterValidator(fields.parse_state)]
Clock = Annotated[str, AfterValidator(fields.parse_clock)]
Authority = Annotated[
    list[str],
    Field(min_length=1, examples=[["property", "casualty"]]),
    AfterValidator(_authority),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100)]
Npn = Annotated[str, Field(pattern=r"^\d{1,10}$")]
ProducerRole = Literal["producer", "csr", "supervisor", "manager"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Patch(Body):
    """A partial update: fields left out stay as they are; only nullable ones take null."""

    NOT_NULL: frozenset[str] = frozenset()

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}

    @classmethod
    def refuse_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class ShiftIn(Body):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["17:00"], description="24:00 for the end of the day.")

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        return fields.format_clock(fields.parse_clock(value))


class PeriodIn(Body):
    start: AwareDatetime
    end: AwareDatetime = Field(description="Exclusive.")


def shifts(items: list[ShiftIn]) -> tuple[Shift, ...]:
    return fields.check_shifts(
        [Shift(s.weekday, fields.parse_clock(s.start), fields.parse_clock(s.end)) for s in items]
    )


def periods(items: list[PeriodIn]) -> tuple[Period, ...]:
    return fields.check_periods([Period(p.start, p.end) for p in items])


class ProducerFields(Body):
    external_id: ExternalId | None = Field(default=None, description="Your id, e.g. P001.")
    phone: Phone | None = None
    timezone: TimeZone | None = Field(default=None, description="Default: the agency's.")
    working_hours: list[ShiftIn] | None = Field(
        default=None, description="Default: Monday to Friday 09:00-17:00 local time."
    )
    out_of_office: list[PeriodIn] = []
    business_lines: list[BusinessLine] = []
    max_open: int | None = Field(default=None, ge=0, description="Most open leads at once.")
    max_daily: int | None = Field(default=None, ge=0, description="Most new leads a day.")
    team: str | None = Field(default=None, max_length=100, description="Team or pod.")
    backup_producer_id: int | None = None
    role: ProducerRole = "producer"
    active: bool = True
    weight: int = Field(default=1, ge=0, le=1000)
    npn: Npn | None = None

    @field_validator("working_hours", "out_of_office", mode="after")
    @classmethod
    def _consistent(cls, value: Any) -> Any:
        if value and isinstance(value[0], ShiftIn):
            shifts(value)
        elif value:
            periods(value)
        return value


class ProducerCreate(ProducerFields):
    name: Name
    email: Email

    def to_spec(self) -> ProducerSpec:
        return ProducerSpec(**_producer_values(self, self.model_fields.keys()))


class ProducerPatch(ProducerFields):
    name: Name | None = None
    email: Email | None = None

    _not_null = field_validator(
        "name",
        "email",
        "working_hours",
        "out_of_office",
        "business_lines",
        "role",
        "active",
        "weight",
        mode="before",
    )(Patch.refuse_null)

    def changes(self) -> dict[str, Any]:
        return _producer_values(self, self.model_fields_set)


def _producer_values(body: ProducerFields, names: Any) -> dict[str, Any]:
    values = {name: getattr(body, name) for name in names}
    if "working_hours" in values:
        hours = values["working_hours"]
        values["working_hours"] = DEFAULT_HOURS if hours is None else shifts(hours)
    if "out_of_office" in values:
        values["out_of_office"] = periods(values["out_of_office"])
    if "business_lines" in values:
        values["business_lines"] = frozenset(b.value for b in values["business_lines"])
    return values


class ShiftOut(BaseModel):
    weekday: int
    start: str
    end: str


class PeriodOut(BaseModel):
    start: AwareDatetime
    end: AwareDatetime


class ProducerOut(BaseModel):
    id: int
    external_id: str | None
    name: str
    email: str
    phone: str | None
    timezone: str
    working_hours: list[ShiftOut]
    out_of_office: list[PeriodOut]
    business_lines: list[str]
    max_open: int | None
    max_daily: int | None
    team: str | None
    backup_producer_id: int | None
    role: str
    active: bool
    weight: int
    npn: str | None
    open_count: int

    @classmethod
    def of(cls, record: ProducerRecord) -> ProducerOut:
        p = record.producer
        return cls(
            id=p.id,
            external_id=record.external_id,
            name=p.name,
            email=p.email,
            phone=p.phone,
            timezone=p.timezone,
            working_hours=[
                ShiftOut(
                    weekday=s.weekday,
                    start=fields.format_clock(s.start),
                    end=fields.format_clock(s.end),
                )
                for s in p.working_hours
            ],
            out_of_office=[PeriodOut(start=o.start, end=o.end) for o in p.out_of_office],
            business_lines=sorted(p.business_lines),
            max_open=p.max_open,
            max_daily=p.max_daily,
            team=p.team,
            backup_producer_id=p.backup_producer_id,
            role=p.role.value,
            active=p.active,
            weight=p.weight,
            npn=p.npn,
            open_count=record.open_count,
        )


class LicenseFields(Body):
    expiration_date: date | None = None
    status: LicenseStatus = LicenseStatus.ACTIVE


class LicenseCreate(LicenseFields):
    """A license; it stays pending (grants nothing) until a compliance key verifies it,
    unless a compliance key creates it."""

    producer_id: int
    state: State
    number: str = Field(min_length=1, max_length=50)
    lines: Authority
    resident: bool
    effective_date: date

    def to_spec(self) -> LicenseSpec:
        values = {name: getattr(self, name) for name in self.model_fields}
        return LicenseSpec(
            **{**values, "lines": frozenset(self.lines), "status": self.status.value}
        )


class LicensePatch(LicenseFields):
    producer_id: int | None = None
    state: State | None = None
    number: str | None = Field(default=None, min_length=1, max_length=50)
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
    )(Patch.refuse_null)

    def changes(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self.model_fields_set}
        if "lines" in values:
            values["lines"] = frozenset(values["lines"])
        if "status" in values:
            values["status"] = values["status"].value
        return values


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
    verified_at: datetime | None
    verified_by: str | None
    source: str

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
