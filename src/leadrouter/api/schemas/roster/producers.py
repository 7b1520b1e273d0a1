"""Producer bodies: working hours as weekday shifts, out-of-office as instants."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from leadrouter.api.ids import Instant, RowIdField
from leadrouter.api.schemas.roster.common import Body, Email, ExternalId, Name, Phone, TimeZone
from leadrouter.api.schemas.roster.common import refuse_null as _refuse_null
from leadrouter.domain.model import BusinessLine, Period, Shift
from leadrouter.roster import schedule
from leadrouter.roster.fields import MAX_COUNT
from leadrouter.roster.specs import DEFAULT_HOURS, ProducerSpec
from leadrouter.store.roster_records import ProducerRecord

ProducerRole = Literal["producer", "csr", "supervisor", "manager"]


class ShiftIn(Body):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")
    start: str = Field(examples=["09:00"], description="Local time, HH:MM.")
    end: str = Field(examples=["17:00"], description="Local time, HH:MM; 24:00 = midnight.")

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        return schedule.format_clock(schedule.parse_clock(value))


class PeriodIn(Body):
    start: Instant
    end: Instant = Field(description="Exclusive.")


def _shifts(items: list[ShiftIn]) -> tuple[Shift, ...]:
    clock = schedule.parse_clock
    return schedule.check_shifts([Shift(s.weekday, clock(s.start), clock(s.end)) for s in items])


def _periods(items: list[PeriodIn]) -> tuple[Period, ...]:
    return schedule.check_periods([Period(p.start, p.end) for p in items])


class ProducerFields(Body):
    external_id: ExternalId | None = Field(default=None, description="Your own id for them.")
    phone: Phone | None = None
    timezone: TimeZone | None = Field(default=None, description="Default: the agency's.")
    working_hours: list[ShiftIn] | None = Field(
        default=None, description="Default: Monday to Friday, 09:00-17:00 local time."
    )
    out_of_office: list[PeriodIn] = []
    business_lines: list[BusinessLine] = Field(default=[], description="What they sell.")
    max_open: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Most open leads at once."
    )
    max_daily: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Most new leads a day."
    )
    team: str | None = Field(default=None, min_length=1, max_length=100, description="Team or pod.")
    backup_producer_id: RowIdField | None = None
    role: ProducerRole = "producer"
    active: bool = True
    weight: int = Field(default=1, ge=0, le=1000, description="For weighted rotation.")
    npn: str | None = Field(
        default=None, pattern=r"^\d{1,10}$", description="National Producer Number."
    )

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: list[ShiftIn] | None) -> list[ShiftIn] | None:
        if value:
            _shifts(value)
        return value

    @field_validator("out_of_office")
    @classmethod
    def _away(cls, value: list[PeriodIn]) -> list[PeriodIn]:
        _periods(value)
        return value

    def spec_values(self, names: Any = None) -> dict[str, Any]:
        values = self.given(names)
        if "working_hours" in values:
            hours = values["working_hours"]
            values["working_hours"] = DEFAULT_HOURS if hours is None else _shifts(hours)
        if "out_of_office" in values:
            values["out_of_office"] = _periods(values["out_of_office"])
        if "business_lines" in values:
            values["business_lines"] = frozenset(b.value for b in values["business_lines"])
        return values


class ProducerCreate(ProducerFields):
    """A producer (or CSR, supervisor, manager) of the agency."""

    name: Name
    email: Email

    def to_spec(self) -> ProducerSpec:
        return ProducerSpec(**self.spec_values())


class ProducerPatch(ProducerFields):
    """Some fields of a producer; the ones left out stay as they are."""

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
    )(_refuse_null)

    def changes(self) -> dict[str, Any]:
        return self.spec_values(self.model_fields_set)


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
    open_count: int = Field(description="Leads open with them now.")

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
                    start=schedule.format_clock(s.start),
                    end=schedule.format_clock(s.end),
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
