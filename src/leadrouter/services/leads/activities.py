"""What producers did with a lead: call attempts, voicemails, texts, emails, contacts, notes.

Only the lead's owner logs activities (keys belong to the agency, so the body names the
producer and it must be the owner: 409 otherwise). ``contact_made`` is the speed timer's
stop: the first contact time and the lead's response time are recorded, the lead becomes
contacted (when its lifecycle allows), and its escalation ladder and cadence stop. The other
kinds are recorded only; a call attempt does not stop the reminders to call again, but it
counts: the lead's activities show how many attempts (calls and voicemails) were made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.errors import Conflict, FieldError, ValidationFailed
from leadrouter.intake.documents import iso
from leadrouter.paging import page
from leadrouter.services.leads import outcomes
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.store.leads import lead_row
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import activities
from leadrouter.store.uow import UnitOfWork

KINDS = ("call_attempt", "voicemail", "text", "email", "contact_made", "note")
CONTACT = "contact_made"
ATTEMPTS = ("call_attempt", "voicemail")
CLOCK_SKEW = timedelta(minutes=5)


def log_activity(
    *,
    uow: UnitOfWork,
    routing_deps: RoutingCaches,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    kind: str,
    at: datetime | None,
    note: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Record one activity of the lead's owner; a contact stops the lead's timers."""
    when = at or now
    if kind not in KINDS:
        raise ValidationFailed(
            f"kind must be one of {', '.join(KINDS)}",
            errors=[FieldError("kind", f"not one of {', '.join(KINDS)}")],
        )
    if when.tzinfo is None or when > now + CLOCK_SKEW:
        raise ValidationFailed(
            "at: must carry a time zone and not lie in the future",
            errors=[FieldError("at", "in the future or without a zone")],
        )
    with uow:
        lock_agency(uow.conn, agency_id)
        activity = Activity(agency_id, lead_id, producer_id, kind, when, note)
        document = log_activity_in_tx(uow.conn, routing_deps, activity, now=now)
        uow.commit()
    return document


@dataclass(frozen=True)
class Activity:
    """One activity to log: on whose lead, by which producer, what and when."""

    agency_id: int
    lead_id: int
    producer_id: int
    kind: str
    at: datetime
    note: str | None


def log_activity_in_tx(
    conn: sa.Connection, deps: RoutingCaches, activity: Activity, *, now: datetime
) -> dict[str, Any]:
    """``log_activity`` as a step of the caller's transaction, which holds the agency's
    routing lock (the activity is the caller's own, already checked)."""
    lead = lead_row(conn, activity.agency_id, activity.lead_id)
    if lead.owner_id != activity.producer_id:
        owner = "no owner" if lead.owner_id is None else f"producer {lead.owner_id}"
        raise Conflict(
            f"producer {activity.producer_id} does not own lead {activity.lead_id} ({owner} does)",
            errors=[FieldError("producer_id", "not the lead's owner")],
        )
    values = {**vars(activity), "created_at": now}
    activity_id = conn.execute(
        activities.insert().values(values).returning(activities.c.id)
    ).scalar_one()
    if activity.kind == CONTACT:
        _contact(conn, deps, lead, activity.at, now)
    return _document({**values, "id": activity_id})


def list_activities(
    *, uow: UnitOfWork, agency_id: int, lead_id: int, cursor: str | None = None, limit: int = 100
) -> dict[str, Any]:
    """A page of the lead's activities, oldest first, with its first contact, response time
    and the number of attempts to reach it (of all its activities)."""
    with uow:
        lead = lead_row(uow.conn, agency_id, lead_id)
        found = page(
            uow.conn,
            sa.select(activities).where(activities.c.lead_id == lead_id),
            activities,
            kind="activity",
            cursor=cursor,
            limit=limit,
            build=_document,
            order=[(activities.c.at, False)],
        )
        attempts = uow.conn.execute(
            sa.select(sa.func.count()).where(
                activities.c.lead_id == lead_id, activities.c.kind.in_(sorted(ATTEMPTS))
            )
        ).scalar_one()
    return {
        "lead_id": lead_id,
        "owner_id": lead.owner_id,
        "first_assigned_at": iso(lead.first_assigned_at),
        "first_contact_at": iso(lead.first_contact_at),
        "response_seconds": lead.response_seconds,
        "attempts": attempts,
        "items": found.items,
        "next_cursor": found.next_cursor,
    }


def _contact(
    conn: sa.Connection, deps: RoutingCaches, lead: Any, at: datetime, now: datetime
) -> None:
    status = LeadStatus(lead.status)
    if status in (LeadStatus.ASSIGNED, LeadStatus.NURTURE):
        outcomes.record_in_tx(
            conn,
            deps,
            agency_id=lead.agency_id,
            lead_id=lead.id,
            status=LeadStatus.CONTACTED,
            reason="contact made",
            now=now,
            contact_at=at,
        )
        return
    outcomes.record_contact(conn, lead_id=lead.id, at=at)
    ts.reschedule(conn, deps, agency_id=lead.agency_id, lead_id=lead.id, now=now)


def _document(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "lead_id": row["lead_id"],
        "producer_id": row["producer_id"],
        "kind": row["kind"],
        "at": iso(row["at"]),
        "note": row["note"],
        "created_at": iso(row["created_at"]),
    }
