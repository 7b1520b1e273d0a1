"""Intent scoring of stored leads: rescore as events arrive, recalibrate from outcomes.

A lead's tier comes from its behavior events once any arrive. A tier the sender gave at
intake stands when the agency keeps senders' tiers (``sender_intent_tier``, the default);
the score is stored either way. A tier change is written as an ``intent_tier_changed`` event
and moves a queued lead to its new priority in the queue.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.scoring import (
    DEFAULT_RUBRIC,
    QUEUE_PRIORITY,
    IntentScore,
    Rubric,
    score,
)
from leadrouter.errors import NotFound
from leadrouter.intake.settings import from_agency_settings
from leadrouter.services.learning.predict import predict_lead
from leadrouter.services.learning.signals import TIER_CHANGED, lead_signals
from leadrouter.store import routing_repo
from leadrouter.store.leads import LeadRepository
from leadrouter.store.tables import agencies, intent_rubrics, leads, queue_entries
from leadrouter.store.uow import UnitOfWork


def current_rubric(conn: sa.Connection, agency_id: int) -> Rubric:
    """The agency's newest fitted rubric, or the default one."""
    doc = conn.execute(
        sa.select(intent_rubrics.c.document)
        .where(intent_rubrics.c.agency_id == agency_id)
        .order_by(intent_rubrics.c.version.desc())
        .limit(1)
    ).scalar()
    return DEFAULT_RUBRIC if doc is None else Rubric.from_document(doc)


def rescore_in_tx(
    conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime
) -> IntentScore:
    """Score the lead from its events, store score and tier, log a change (caller commits)."""
    lead = conn.execute(
        sa.select(leads, agencies.c.settings)
        .join(agencies, agencies.c.id == leads.c.agency_id)
        .where(leads.c.id == lead_id, leads.c.agency_id == agency_id)
    ).first()
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    signals = lead_signals(conn, lead_id=lead_id, attributes=lead.attributes, now=now)
    result = score(signals, current_rubric(conn, agency_id))
    from_sender = lead.intent_source == "sender" or (
        lead.intent_source is None and lead.intent_tier is not None
    )
    keep_sender = from_sender and from_agency_settings(lead.settings).sender_intent_tier
    tier = lead.intent_tier if keep_sender else result.tier
    prediction = predict_lead(conn, routing_repo.lead_from_row(lead), now, explain=False)
    conn.execute(
        leads.update()
        .where(leads.c.id == lead_id)
        .values(
            intent_score=result.score,
            intent_tier=tier,
            intent_source="sender" if keep_sender else "events",
            predicted_conversion=None if prediction is None else prediction.probability,
        )
    )
    if tier != lead.intent_tier:
        _log_change(conn, agency_id, lead_id, lead.intent_tier, tier, result, now)
        if lead.status == LeadStatus.QUEUED.value:
            conn.execute(
                queue_entries.update()
                .where(queue_entries.c.lead_id == lead_id, queue_entries.c.resolved_at.is_(None))
                .values(priority=QUEUE_PRIORITY.get(tier or "", 0))
            )
    return result


def _log_change(
    conn: sa.Connection,
    agency_id: int,
    lead_id: int,
    before: str | None,
    after: str | None,
    result: IntentScore,
    now: datetime,
) -> None:
    data = {
        "from": before,
        "to": after,
        "score": result.score,
        "rubric_version": result.rubric_version,
        "top": [name for name, _ in result.contributions[:3]],
    }
    LeadRepository(conn).record_event(
        agency_id=agency_id, lead_id=lead_id, type=TIER_CHANGED, data=data, now=now
    )


def rescore(*, uow: UnitOfWork, agency_id: int, lead_id: int, now: datetime) -> IntentScore:
    """Rescore one lead in its own transaction (e.g. after the agency's rubric changed)."""
    with uow:
        result = rescore_in_tx(uow.conn, agency_id=agency_id, lead_id=lead_id, now=now)
        uow.commit()
    return result
