"""The dashboard's charts over the trailing 30 days: the response-time distribution, the
funnel lead → contact → quote → bind, leads and binds by source; and the leads behind a bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.services.dashboard.recent import lead_rows
from leadrouter.store.response_times import BUCKETS, NEVER
from leadrouter.store.rollup_reads import rolled_figures, rolled_histogram
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork

WINDOW = timedelta(days=30)
NO_SOURCE = "(no source)"
FUNNEL = ("leads", "contacted", "quoted", "bound")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, and the key that lists the leads behind it."""

    label: str
    value: int
    key: str


def _bucket_of() -> sa.ColumnElement[str]:
    """The response bucket of a lead, exactly as ``store.response_times.histogram`` buckets."""
    seconds = leads.c.response_seconds
    whens: list[tuple[sa.ColumnElement[bool], str]] = [(seconds.is_(None), NEVER)]
    whens += [(seconds <= upper, label) for label, upper in BUCKETS if upper is not None]
    return sa.case(*whens, else_=BUCKETS[-1][0])


def _quoted() -> sa.ColumnElement[bool]:
    """Ever quoted, as the reports count it (a bind counts as quoted)."""
    return sa.or_(leads.c.quoted_at.is_not(None), leads.c.status == LeadStatus.BOUND)


def _window(agency_id: int, now: datetime) -> list[sa.ColumnElement[bool]]:
    return [leads.c.agency_id == agency_id, leads.c.created_at >= now - WINDOW]


def response_chart(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[Bar]:
    """How long leads waited for their first contact, in the report's buckets (30 days)."""
    with uow:
        counts = rolled_histogram(uow.conn, agency_id=agency_id, since=now - WINDOW, now=now)
    return [Bar(label, value, f"response:{label}") for label, value in counts]


def funnel(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[Bar]:
    """Leads, then how many were contacted, quoted (ever) and bound (30 days)."""
    with uow:
        f = rolled_figures(uow.conn, agency_id=agency_id, since=now - WINDOW, until=None, now=now)[
            ()
        ]
    values = (f.leads, f.contacted, f.quoted, f.bound)
    return [Bar(name, v, f"funnel:{name}") for name, v in zip(FUNNEL, values, strict=True)]


def by_source(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[tuple[Bar, Bar]]:
    """Per source, (leads, binds) over 30 days, the biggest source first."""
    with uow:
        groups = rolled_figures(
            uow.conn, agency_id=agency_id, since=now - WINDOW, until=None, now=now, by=("source",)
        )
    rows = sorted(
        ((k[0] or NO_SOURCE, f) for k, f in groups.items()), key=lambda r: (-r[1].leads, r[0])
    )
    return [
        (Bar(name, f.leads, f"source:{name}"), Bar(name, f.bound, f"source-bound:{name}"))
        for name, f in rows
    ]


def _filter(key: str) -> tuple[str, sa.ColumnElement[bool]]:
    kind, _, value = key.partition(":")
    if kind == "response" and value in {label for label, _ in BUCKETS} | {NEVER}:
        title = "never contacted" if value == NEVER else f"first response {value}"
        return title, _bucket_of() == value
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
        rows = lead_rows(
            uow.conn,
            *_window(agency_id, now),
            condition,
            order_by=[leads.c.created_at.desc(), leads.c.id.desc()],
            limit=limit,
        )
    return title, rows
