"""The time sections of the policy document: escalation, acceptance, cadence, contact hours.

Every field has the issue's default, so ``timing: {}`` (or leaving it out) means: alert the
producer at 5 minutes, warn by text and email at 15, reassign at 30, alert the manager at an
hour; notify at minute 0, text and email the consumer at minute 5, call reminders at hours
1, 4, 24 and 48, a last email on day 7, a nurture email every 30 days from day 30; texts and
calls to consumers between 08:00 and 21:00 their time.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from leadrouter.domain import timer_policy as rules


def _duration(value: Any) -> timedelta:
    if isinstance(value, str | int | float | timedelta):
        return rules.parse_duration(value)
    raise ValueError("a duration is a string like 5m or 1h, or a number of seconds")


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(rules.format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": r"^\s*((\d+\s*[wdhmsWDHMS]\s*)+|\d+|daily|weekly|monthly)\s*$",
                },
                {"type": "integer", "minimum": 0},
            ],
            "description": 'A duration: "90s", "5m", "1h", "1h30m", "7d", "monthly" (30 days) '
            "or a number of seconds.",
        }
    ),
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rung(_Section):
    """After this long without a logged contact, do this."""

    after: Duration
    action: rules.EscalationAction
    channels: list[rules.Channel] | None = Field(
        default=None,
        description="Defaults: alert_producer in-app; warn_producer sms+email; "
        "reassign and alert_manager in-app+email.",
    )

    def to_domain(self) -> rules.Rung:
        return rules.Rung(self.after, self.action, tuple(self.channels or ()))


class Acceptance(_Section):
    """Offers that the producer must accept in time, like a reservation."""

    required: bool = False
    within_seconds: int = Field(default=120, gt=0, le=86400)

    def to_domain(self) -> rules.AcceptanceRule:
        return rules.AcceptanceRule(self.required, timedelta(seconds=self.within_seconds))


class CadenceStep(_Section):
    """A follow-up step at an offset from the lead's first assignment."""

    at: Duration
    action: rules.CadenceAction
    template: str | None = Field(default=None, max_length=100)
    repeat: Duration | None = Field(default=None, description='e.g. "monthly" (every 30 days)')

    @model_validator(mode="after")
    def _repeat_is_positive(self) -> CadenceStep:
        if self.repeat is not None and self.repeat <= timedelta(0):
            raise ValueError("repeat must be a positive duration")
        return self

    def to_domain(self) -> rules.CadenceStep:
        return rules.CadenceStep(self.at, self.action, self.template or "", self.repeat)


class ContactHours(_Section):
    """When texts and calls may reach a consumer, on the consumer's local clock."""

    start: time = time(8, 0)
    end: time = time(21, 0)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_from_yaml_number(cls, value: Any) -> Any:
        """YAML 1.1 reads an unquoted ``8:00`` as the base-60 number 480: take it as 08:00."""
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < 24 * 60:
                raise ValueError("a time of day, like 08:00")
            return time(value // 60, value % 60)
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> ContactHours:
        if not self.start < self.end:
            raise ValueError("contact hours must start before they end, within one day")
        return self

    def to_domain(self) -> rules.ContactHours:
        return rules.ContactHours(self.start, self.end)


def _default_escalation() -> list[Rung]:
    return [Rung(after=r.after, action=r.action) for r in rules.DEFAULT_ESCALATION]


def _default_cadence() -> list[CadenceStep]:
    return [
        CadenceStep(
            at=s.at,
            action=s.action,
            repeat=s.repeat,
            template=None if s.template == rules.DEFAULT_TEMPLATES[s.action] else s.template,
        )
        for s in rules.DEFAULT_CADENCE
    ]


class TimingPolicy(_Section):
    """Escalation ladder, acceptance, follow-up cadence and contact hours of a policy."""

    escalation: list[Rung] = Field(default_factory=_default_escalation)
    acceptance: Acceptance = Field(default_factory=Acceptance)
    cadence: list[CadenceStep] = Field(default_factory=_default_cadence)
    contact_hours: ContactHours = Field(default_factory=ContactHours)

    @model_validator(mode="after")
    def _steps_are_distinct(self) -> TimingPolicy:
        self.to_domain()  # raises ValueError naming steps that share an action and a time
        return self

    def to_domain(self) -> rules.TimingRules:
        """The domain's dataclasses for these sections."""
        return rules.TimingRules(
            escalation=tuple(r.to_domain() for r in self.escalation),
            acceptance=self.acceptance.to_domain(),
            cadence=tuple(s.to_domain() for s in self.cadence),
            contact_hours=self.contact_hours.to_domain(),
        )
