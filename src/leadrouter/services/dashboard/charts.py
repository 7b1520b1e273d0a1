"""The dashboard's charts over the trailing 30 days: the response-time distribution, the
funnel lead → contact → quote → bind, leads and binds by source; and the leads behind a bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.store.tables import lead_status_changes, leads, producers
from leadrouter.store.uow import UnitOfWork

WINDOW = timedelta(days=30)
NO_SOURCE = "(no source)"
# Upper bounds in seconds; a lead not yet contacted falls in "not yet".
RESPONSE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("< 1 min", 60),
    ("1-5 min", 300),
    ("5-15 min", 900),
    ("15-30 min", 1800),
    ("30-60 min", 3600),
    ("1-4 h", 14400),
    ("4 h +", None),
)
NOT_YET = "not yet"
FUNNEL = ("leads", "contacted", "quoted", "bound")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, and the key that lists the leads behind it."""

    label: str
    value: int
    key: str


def _bucket_of() -> sa.ColumnElement[str]:
    whens: list[tuple[sa.ColumnElement[bool], str]] = [
        (leads.c.response_seconds.is_(None), NOT_YET)
    ]
    for label, bound in RESPONSE_BUCKETS:
        if bound is not None:
            whens.append((leads.c.response_seconds < bound, label))
    return sa.case(*whens, else_=RESPONSE_BUCKETS[-1][0])


def _quoted() -> sa.ColumnElement[bool]:
    return sa.or_(
        leads.c.status.in_((LeadStatus.QUOTED, LeadStatus.BOUND)),
        sa.exists().where(
            lead_status_changes.c.lead_id == leads.c.id,
            lead_status_changes.c.status == LeadStatus.QUOTED,
        ),
    )


def _window(agency_id: int, now: datetime) -> list[sa.ColumnElement[bool]]:
    return [leads.c.agency_id == agency_id, leads.c.created_at >= now - WINDOW]


def response_times(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[Bar]:
    """How long leads waited for their first contact, in buckets (30 days)."""
    bucket = _bucket_of().label("bucket")
    with uow:
        counts = dict(
            uow.conn.execute(
                sa.select(bucket, sa.func.count()).where(*_window(agency_id, now)).group_by(bucket)
            ).all()
        )
    labels = [label for label, _ in RESPONSE_BUCKETS] + [NOT_YET]
    return [Bar(label, int(counts.get(label, 0)), f"response:{label}") for label in labels]


def funnel(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[Bar]:
    """Leads, then how many were contacted, quoted (ever) and bound (30 days)."""
    with uow:
        row = uow.conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(leads.c.first_contact_at),
                sa.func.coalesce(sa.func.sum(sa.case((_quoted(), 1), else_=0)), 0),
                sa.func.coalesce(
                    sa.func.sum(sa.case((leads.c.status == LeadStatus.BOUND, 1), else_=0)), 0
                ),
            ).where(*_window(agency_id, now))
        ).one()
    return [
        Bar(name, int(value), f"funnel:{name}") for name, value in zip(FUNNEL, row, strict=True)
    ]


def by_source(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[tuple[Bar, Bar]]:
    """Per source, (leads, binds) over 30 days, the biggest source first."""
    source = sa.func.coalesce(leads.c.source_name, NO_SOURCE).label("source")
    with uow:
        rows = uow.conn.execute(
            sa.select(
                source,
                sa.func.count().label("n"),
                sa.func.coalesce(
                    sa.func.sum(sa.case((leads.c.status == LeadStatus.BOUND, 1), else_=0)), 0
                ).label("bound"),
            )
            .where(*_window(agency_id, now))
            .group_by(source)
            .order_by(sa.func.count().desc(), source)
        ).all()
    return [
        (
            Bar(r.source, int(r.n), f"source:{r.source}"),
            Bar(r.source, int(r.bound), f"source-bound:{r.source}"),
        )
        for r in rows
    ]


def _filter(key: str) -> tuple[str, sa.ColumnElement[bool]]:
    kind, _, value = key.partition(":")
    if kind == "response" and value in {label for label, _ in RESPONSE_BUCKETS} | {NOT_YET}:
        return f"first response {value}", _bucket_of() == value
    if kind == "funnel" and value in FUNNEL:
        conditions: dict[str, sa.ColumnElement[bool]] = {
            "leads": sa.true(),
            "contacted": leads.c.first_contact_at.is_not(None),
            "quoted": _quoted(),
            "bound": leads.c.status == LeadStatus.BOUND,
        }
        return value, conditions[value]
    if kind in ("source", "source-bound") and value:
        is_source = (
            leads.c.source_name.is_(None) if value == NO_SOURCE else leads.c.source_name == value
        )
        if kind == "source":
            return f"source {value}", is_source
        return f"bound from {value}", sa.and_(is_source, leads.c.status == LeadStatus.BOUND)
    raise ValidationFailed(
        f"no chart bar {key!r}", errors=[FieldError("bar", "not a bar of the dashboard's charts")]
    )


def leads_behind(
    *, uow: UnitOfWork, agency_id: int, now: datetime, key: str, limit: int = 200
) -> tuple[str, list[dict[str, Any]]]:
    """The title of a bar and the leads it counts (30 days), newest first."""
    title, condition = _filter(key)
    with uow:
        rows = uow.conn.execute(
            sa.select(
                leads.c.id,
                leads.c.first_name,
                leads.c.last_name,
                leads.c.status,
                leads.c.source_name,
                leads.c.created_at,
                leads.c.response_seconds,
                producers.c.name.label("producer"),
            )
            .outerjoin(producers, producers.c.id == leads.c.owner_id)
            .where(*_window(agency_id, now), condition)
            .order_by(leads.c.created_at.desc(), leads.c.id.desc())
            .limit(limit)
        ).all()
    return title, [dict(r._mapping) for r in rows]
