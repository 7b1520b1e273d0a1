"""Helpers for the time engine's tests (producers and leads come from ``factories``): backups,
timing policies, webhook subscriptions, and a virtual clock that jumps from due instant to
due instant like the worker."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.admin.policy import put_policy
from leadrouter.services.admin.webhook_endpoints import create_endpoint
from leadrouter.services.roster.producers import update_producer
from leadrouter.services.timers.step import TimerRun, run_due
from leadrouter.store.tables import assignments, decisions, leads, outbox

# A timing policy whose offers must be accepted within two minutes.
ACCEPT_IN_TWO_MINUTES = "timing:\n  acceptance: {required: true, within_seconds: 120}\n"


def set_backup(c: Container, agency_id: int, producer_id: int, backup_id: int) -> None:
    update_producer(
        uow=c.uow(),
        agency_id=agency_id,
        producer_id=producer_id,
        changes={"backup_producer_id": backup_id},
    )


def timing_policy(c: Container, agency_id: int, timing_yaml: str) -> None:
    """The shipped policy with its ``timing`` section replaced."""
    text = (resources.files("leadrouter") / "policy" / "default.yaml").read_text("utf-8")
    assert "timing: {}" in text
    put_policy(
        uow=c.uow(),
        agency_id=agency_id,
        text=text.replace("timing: {}", timing_yaml),
        fmt="yaml",
        actor="test",
        now=c.clock.now(),
    )


def subscribe(c: Container, agency_id: int, *events: str) -> None:
    create_endpoint(
        uow=c.uow(),
        sealer=c.sealer,
        agency_id=agency_id,
        url="https://crm.example/hooks",
        events=list(events),
        now=c.clock.now(),
    )


def step(c: Container) -> TimerRun:
    """One timer step at the clock's now."""
    return run_due(new_uow=c.uow, caches=c.routing, now=c.clock.now())


def next_due(c: Container) -> datetime | None:
    with c.engine.connect() as conn:
        due: datetime | None = conn.execute(
            sa.select(sa.func.min(assignments.c.next_due_at)).where(
                assignments.c.ended_at.is_(None)
            )
        ).scalar()
    return due


def advance(c: Container, clock: FixedClock, until: datetime | None = None) -> datetime | None:
    """Jump to the next due instant (not past ``until``) and run the timer step there."""
    due = next_due(c)
    if due is None or (until is not None and due > until):
        return None
    clock.set(max(clock.now(), due))
    step(c)
    return clock.now()


def run_until(c: Container, clock: FixedClock, until: datetime) -> None:
    """Every timer step due up to ``until``; the clock ends at ``until``."""
    for _ in range(200):
        if advance(c, clock, until) is None:
            clock.set(until)
            return
    raise AssertionError("the timers never settled")


def rows_of(c: Container, lead_id: int) -> list[Any]:
    """The lead's assignments, oldest first."""
    with c.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(assignments)
                .where(assignments.c.lead_id == lead_id)
                .order_by(assignments.c.id)
            ).all()
        )


def timer_messages(c: Container, lead_id: int) -> list[tuple[str, str, str, datetime]]:
    """(step key, channel, recipient, queued at) of each message the time engine queued."""
    with c.engine.connect() as conn:
        found = conn.execute(
            sa.select(
                outbox.c.dedupe_key, outbox.c.channel, outbox.c.recipient, outbox.c.created_at
            )
            .where(outbox.c.dedupe_key.like(f"timer:{lead_id}:%"), outbox.c.channel != "webhook")
            .order_by(outbox.c.id)
        ).all()
    out = []
    for r in found:
        step_key = r.dedupe_key.split(":", 3)[3].rsplit(":", 2)[0]  # timer:L:A:<key>:<ch>:<who>
        out.append((step_key, r.channel, r.recipient, r.created_at))
    return out


def events_of(c: Container, event: str, channel: str | None = None) -> list[Any]:
    """Outbox rows of ``event`` (on ``channel``, or every channel), oldest first."""
    query = sa.select(outbox).where(outbox.c.event == event).order_by(outbox.c.id)
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    with c.engine.connect() as conn:
        return list(conn.execute(query).all())


def decision_kinds(c: Container, lead_id: int) -> list[tuple[str, str, int | None]]:
    with c.engine.connect() as conn:
        return [
            (r.kind, r.outcome, r.producer_id)
            for r in conn.execute(
                sa.select(decisions).where(decisions.c.lead_id == lead_id).order_by(decisions.c.seq)
            )
        ]


def lead_of(c: Container, lead_id: int) -> Any:
    with c.engine.connect() as conn:
        return conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one()
