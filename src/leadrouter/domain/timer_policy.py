"""The timing rules of a policy as plain data: escalation ladder, acceptance, cadence, hours.

Durations are ``timedelta``; the policy document writes them as "90s", "5m", "1h", "7d",
"1h30m" or a number of seconds (see ``parse_duration``). Every rung and cadence step has a
stable key ("esc:alert_producer:5m", "cad:sms_consumer:5m", "cad:nurture_email:60d") under
which the service records it as done, so that each is carried out exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class EscalationAction(StrEnum):
    ALERT_PRODUCER = "alert_producer"
    WARN_PRODUCER = "warn_producer"
    REASSIGN = "reassign"
    ALERT_MANAGER = "alert_manager"


class CadenceAction(StrEnum):
    NOTIFY_PRODUCER = "notify_producer"
    SMS_CONSUMER = "sms_consumer"
    EMAIL_CONSUMER = "email_consumer"
    CALL_REMINDER = "call_reminder"
    NURTURE_EMAIL = "nurture_email"


class Channel(StrEnum):
    """How a person inside the agency is told something."""

    INAPP = "inapp"
    EMAIL = "email"
    SMS = "sms"


DEFAULT_CHANNELS: dict[EscalationAction, tuple[Channel, ...]] = {
    EscalationAction.ALERT_PRODUCER: (Channel.INAPP,),
    EscalationAction.WARN_PRODUCER: (Channel.SMS, Channel.EMAIL),
    EscalationAction.REASSIGN: (Channel.INAPP, Channel.EMAIL),
    EscalationAction.ALERT_MANAGER: (Channel.INAPP, Channel.EMAIL),
}

DEFAULT_TEMPLATES: dict[CadenceAction, str] = {
    CadenceAction.NOTIFY_PRODUCER: "new_lead",
    CadenceAction.SMS_CONSUMER: "intro_sms",
    CadenceAction.EMAIL_CONSUMER: "intro_email",
    CadenceAction.CALL_REMINDER: "call_reminder",
    CadenceAction.NURTURE_EMAIL: "nurture",
}

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)\s*([wdhms])")
_ALIASES = {"daily": 86400, "weekly": 604800, "monthly": 30 * 86400}


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """A duration from "90s", "5m", "1h30m", "7d", "monthly" (30 days) or seconds."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError("a duration is not a boolean")
    elif isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower().replace(" ", "")
        if text in _ALIASES:
            seconds = _ALIASES[text]
        elif text.isdigit():
            seconds = int(text)
        elif text and _PART.sub("", text) == "":
            seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))
        else:
            raise ValueError(
                f"{value!r} is not a duration; write e.g. 90s, 5m, 1h, 1h30m, 7d, monthly "
                "or a number of seconds"
            )
    if seconds < 0 or seconds != int(seconds):
        raise ValueError("a duration is a whole, non-negative number of seconds")
    return timedelta(seconds=int(seconds))


def format_duration(value: timedelta) -> str:
    """The short form of a duration, in its largest exact unit: "5m", "1h", "2d", "90s"."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0m"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Rung:
    """One rung of the escalation ladder: after this long without contact, do this."""

    after: timedelta
    action: EscalationAction
    channels: tuple[Channel, ...] = ()

    def __post_init__(self) -> None:
        if not self.channels:
            object.__setattr__(self, "channels", DEFAULT_CHANNELS[self.action])

    @property
    def key(self) -> str:
        return f"esc:{self.action}:{format_duration(self.after)}"


@dataclass(frozen=True)
class CadenceStep:
    """A follow-up step at an offset from the first assignment, optionally repeating."""

    at: timedelta
    action: CadenceAction
    template: str = ""
    repeat: timedelta | None = None

    def __post_init__(self) -> None:
        if not self.template:
            object.__setattr__(self, "template", DEFAULT_TEMPLATES[self.action])
        if self.repeat is not None and self.repeat <= timedelta(0):
            raise ValueError("a cadence step repeats after a positive duration")

    def key_at(self, offset: timedelta) -> str:
        """The key of this step's occurrence at ``offset`` from the first assignment."""
        return f"cad:{self.action}:{format_duration(offset)}"


@dataclass(frozen=True)
class AcceptanceRule:
    """Whether a producer must accept an offered lead, and how long the offer stands."""

    required: bool = False
    within: timedelta = timedelta(seconds=120)


@dataclass(frozen=True)
class ContactHours:
    """When texts and calls may reach a consumer, in the consumer's local time."""

    start: time = time(8, 0)
    end: time = time(21, 0)

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("contact hours must start before they end, within one day")

    def is_open(self, at: datetime, timezone: str) -> bool:
        """True when ``at`` falls inside the hours on the consumer's local clock."""
        local = at.astimezone(ZoneInfo(timezone)).time()
        return self.start <= local < self.end

    def next_open(self, at: datetime, timezone: str) -> datetime:
        """The earliest instant at or after ``at`` inside the hours (UTC); DST-correct."""
        if self.is_open(at, timezone):
            return at
        zone = ZoneInfo(timezone)
        local = at.astimezone(zone)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)


DEFAULT_ESCALATION: tuple[Rung, ...] = (
    Rung(timedelta(minutes=5), EscalationAction.ALERT_PRODUCER),
    Rung(timedelta(minutes=15), EscalationAction.WARN_PRODUCER),
    Rung(timedelta(minutes=30), EscalationAction.REASSIGN),
    Rung(timedelta(hours=1), EscalationAction.ALERT_MANAGER),
)

DEFAULT_CADENCE: tuple[CadenceStep, ...] = (
    CadenceStep(timedelta(0), CadenceAction.NOTIFY_PRODUCER),
    CadenceStep(timedelta(minutes=5), CadenceAction.SMS_CONSUMER),
    CadenceStep(timedelta(minutes=5), CadenceAction.EMAIL_CONSUMER),
    CadenceStep(timedelta(hours=1), CadenceAction.CALL_REMINDER),
    CadenceStep(timedelta(hours=4), CadenceAction.CALL_REMINDER),
    CadenceStep(timedelta(hours=24), CadenceAction.CALL_REMINDER),
    CadenceStep(timedelta(hours=48), CadenceAction.CALL_REMINDER),
    CadenceStep(timedelta(days=7), CadenceAction.EMAIL_CONSUMER, template="last_email"),
    CadenceStep(timedelta(days=30), CadenceAction.NURTURE_EMAIL, repeat=timedelta(days=30)),
)


@dataclass(frozen=True)
class TimingRules:
    """The timing half of a routing policy; the defaults are those of the policy document."""

    escalation: tuple[Rung, ...] = DEFAULT_ESCALATION
    acceptance: AcceptanceRule = field(default_factory=AcceptanceRule)
    cadence: tuple[CadenceStep, ...] = DEFAULT_CADENCE
    contact_hours: ContactHours = field(default_factory=ContactHours)

    def __post_init__(self) -> None:
        keys = [r.key for r in self.escalation] + [s.key_at(s.at) for s in self.cadence]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"two steps share the same action and time: {', '.join(twice)}")
