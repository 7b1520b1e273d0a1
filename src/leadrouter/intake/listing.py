"""Filtering and keyset pagination of an agency's leads (newest first, by id)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from leadrouter import paging
from leadrouter.store.tables import leads

MAX_LIMIT = 200


@dataclass(frozen=True)
class LeadFilter:
    """What ``GET /v1/leads`` may filter on; None means any."""

    statuses: tuple[str, ...] = ()
    insurance_type: str | None = None
    state: str | None = None
    source: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    owner_id: int | None = None
    q: str | None = None


def encode_cursor(last_id: int) -> str:
    """An opaque cursor that continues after the lead ``last_id``."""
    return paging.encode_cursor("lead", last_id)


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after, or 422 naming ``cursor``."""
    return paging.decode_cursor("lead", cursor)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conditions(agency_id: int, f: LeadFilter, after_id: int | None) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses for an agency's leads matching ``f``, after the cursor's lead."""
    where = [leads.c.agency_id == agency_id]
    if after_id is not None:
        where.append(leads.c.id < after_id)
    if f.statuses:
        where.append(leads.c.status.in_(f.statuses))
    for column, value in (
        (leads.c.insurance_type, f.insurance_type),
        (leads.c.state, f.state.upper() if f.state else None),
        (leads.c.source_name, f.source),
        (leads.c.owner_id, f.owner_id),
    ):
        if value is not None:
            where.append(column == value)
    if f.created_after is not None:
        where.append(leads.c.created_at >= f.created_after)
    if f.created_before is not None:
        where.append(leads.c.created_at < f.created_before)
    for term in (f.q or "").split():
        pattern = _like(term)
        digits = re.sub(r"\D", "", term)
        where.append(
            sa.or_(
                leads.c.first_name.ilike(pattern, escape="\\"),
                leads.c.last_name.ilike(pattern, escape="\\"),
                leads.c.email.ilike(pattern, escape="\\"),
                *([leads.c.phone.like(_like(digits), escape="\\")] if len(digits) >= 3 else []),
            )
        )
    return where
