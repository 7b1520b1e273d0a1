"""What the time engine asks the service to do: frozen dataclasses, each with its step key.

The service carries an action out and records ``key`` as done in the same transaction, so that
each happens exactly once; ``due_at`` is when the step was scheduled (before any deferral).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leadrouter.domain.timer_policy import Channel


@dataclass(frozen=True)
class AlertProducer:
    key: str
    due_at: datetime
    reason: str  # "not contacted within 5 minutes"
    channels: tuple[Channel, ...]


@dataclass(frozen=True)
class WarnProducer:
    key: str
    due_at: datetime
    reason: str
    channels: tuple[Channel, ...]


@dataclass(frozen=True)
class Reassign:
    """Give the lead to the owner's backup if the gate allows, else to the next eligible."""

    key: str
    due_at: datetime
    reason: str
    channels: tuple[Channel, ...]  # how the original producer is told


@dataclass(frozen=True)
class AlertManager:
    key: str
    due_at: datetime
    reason: str
    channels: tuple[Channel, ...]


@dataclass(frozen=True)
class OfferExpired:
    """The owner did not accept in time: offer the lead to the next eligible producer."""

    key: str
    due_at: datetime


@dataclass(frozen=True)
class NotifyProducer:
    """Tell the owner about the lead (an offer to accept when ``accept_by`` is set)."""

    key: str
    due_at: datetime
    template: str
    accept_by: datetime | None


@dataclass(frozen=True)
class MessageConsumer:
    """A text or an email to the consumer, in the owner's name."""

    key: str
    due_at: datetime
    channel: Channel
    template: str


@dataclass(frozen=True)
class RemindProducer:
    """Remind the owner to call the consumer."""

    key: str
    due_at: datetime
    template: str


@dataclass(frozen=True)
class Defer:
    """A step fell outside contact hours: it will run at ``until`` instead (recorded once)."""

    key: str
    due_at: datetime
    step_key: str
    until: datetime


Action = (
    AlertProducer
    | WarnProducer
    | Reassign
    | AlertManager
    | OfferExpired
    | NotifyProducer
    | MessageConsumer
    | RemindProducer
    | Defer
)
