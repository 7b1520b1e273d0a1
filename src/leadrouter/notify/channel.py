"""What a channel is given to deliver, and how it says that delivery failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from leadrouter.errors import LeadRouterError


@dataclass(frozen=True)
class OutboundMessage:
    """One outbox row, claimed for delivery; ``attempts`` counts this one."""

    id: int
    agency_id: int
    channel: str
    event: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


class DeliveryFailed(LeadRouterError):
    """A channel could not deliver; ``permanent`` ones go straight to the dead letters."""

    status = 502
    title = "Delivery failed"
    slug = "delivery-failed"

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent


class Channel(Protocol):
    """Delivers one message; returns the provider's reference, or raises DeliveryFailed."""

    def deliver(self, message: OutboundMessage, now: datetime) -> str | None: ...


# (agency_id, lead_id) -> True when that consumer may no longer be contacted (opt-out, DNC).
ConsumerBlocked = Callable[[int, int], bool]
