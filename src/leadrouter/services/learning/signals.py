"""A stored lead's behavior events read into the signals scoring and the model use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.scoring import BehaviorEvent, Signals, signals_from_events
from leadrouter.store.tables import lead_events

TIER_CHANGED = "intent_tier_changed"  # our own log of tier changes, not the prospect's doing


def referral_of(attributes: Mapping[str, Any] | None) -> str | None:
    """The referral kind a sender put in the lead's attributes (``referral``), if any."""
    value = (attributes or {}).get("referral")
    return value if isinstance(value, str) else None


def lead_signals(
    conn: sa.Connection,
    *,
    lead_id: int,
    attributes: Mapping[str, Any] | None,
    now: datetime,
    before: datetime | None = None,
) -> Signals:
    """The signals of a lead's events up to ``now`` (and before ``before`` when given)."""
    query = sa.select(lead_events.c.type, lead_events.c.at, lead_events.c.data).where(
        lead_events.c.lead_id == lead_id, lead_events.c.type != TIER_CHANGED
    )
    if before is not None:
        query = query.where(lead_events.c.at < before)
    events = [BehaviorEvent(r.type, r.at, r.data or {}) for r in conn.execute(query)]
    return signals_from_events(events, referral=referral_of(attributes), now=now)
