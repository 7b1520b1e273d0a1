"""The compliance page's view: license coverage by state x line, expiring licenses, the
latest license-gate refusals from the decision log, and the audit chain's state.

The grid's states are those anyone holds a license in, and those the agency meets leads in
without one: where leads arrived lately or a territory names the state. A state where nobody
is licensed today is a gap, however it came to be on the page.

Every figure comes from the same sources as the API: coverage from ``coverage`` (the license
gate itself counts), refusals from the append-only decision log, the chain from
``store.audit.verify_chain`` and the kept checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.services.compliance.coverage import CoverageRow, coverage
from leadrouter.store import audit_checkpoints as cp
from leadrouter.store.agency_repo import agency_today
from leadrouter.store.audit import BrokenLink, verify_chain
from leadrouter.store.tables import decisions, leads, licenses, producers, territories
from leadrouter.store.uow import UnitOfWork

EXPIRING_WITHIN = timedelta(days=60)
LAPSED_WITHIN = timedelta(days=30)
RECEIVED_WITHIN = timedelta(days=90)  # the leads that put a state on the page
REFUSALS_SHOWN = 20
# What a decision's reason says when the license gate, not availability, left the lead waiting
# (domain.routing.explain and engine): nobody licensed, no license possible, a refused winner.
_GATE_WORDS = ("license for", "can be licensed", "license re-check refused")


@dataclass(frozen=True)
class Cell:
    producers: int  # licensed now
    gap_in: int | None  # the first horizon (days) at which nobody is licensed, if any
    gap_from: date | None  # the first day nobody is licensed (before that horizon), if any


@dataclass(frozen=True)
class ExpiringLicense:
    license_id: int
    producer_id: int
    producer_name: str
    state: str
    number: str
    lines: tuple[str, ...]
    expiration_date: date
    days_left: int  # negative: lapsed that many days ago


@dataclass(frozen=True)
class GateRefusal:
    decision_id: int
    lead_id: int
    at: datetime
    kind: str
    state: str | None
    insurance_type: str
    reason: str
    first_name: str  # the lead's, for its name on a page (lead_display_name)
    last_name: str
    phone: str | None


@dataclass(frozen=True)
class ChainStatus:
    records: int
    broken: BrokenLink | None
    last_checkpoint: cp.Checkpoint | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def unsealed(self) -> int | None:
        """Records added since the last checkpoint (None: never checkpointed)."""
        if self.last_checkpoint is None:
            return None
        return max(0, self.records - self.last_checkpoint.count)


@dataclass(frozen=True)
class ComplianceOverview:
    today: date
    states: list[str]
    lines: list[tuple[str, str]]  # (code, label)
    grid: dict[tuple[str, str], Cell]
    unlicensed: dict[str, int]
    """States where nobody is licensed today, and the leads received there lately."""
    expiring: list[ExpiringLicense]
    refusals: list[GateRefusal]
    chain: ChainStatus


def compliance_overview(*, uow: UnitOfWork, agency_id: int, now: datetime) -> ComplianceOverview:
    """Everything the compliance page shows, read in one read-only transaction."""
    with uow:
        conn = uow.conn
        today = agency_today(conn, agency_id, now)
        rows = coverage(conn, agency_id=agency_id, now=now)
        grid = {(r.state, r.line): _cell(r, today) for r in rows}
        received = _received(conn, agency_id, now - RECEIVED_WITHIN)
        states = {r.state for r in rows} | set(received) | _territory_states(conn, agency_id)
        covered = {state for (state, _), cell in grid.items() if cell.producers > 0}
        return ComplianceOverview(
            today=today,
            states=sorted(states),
            lines=sorted({(r.line, r.label) for r in rows}),
            grid=grid,
            unlicensed={s: received.get(s, 0) for s in sorted(states - covered)},
            expiring=_expiring(conn, agency_id, today),
            refusals=gate_refusals(conn, agency_id=agency_id),
            chain=_chain(conn, agency_id),
        )


def _cell(row: CoverageRow, today: date) -> Cell:
    """The count today and, where coverage ends within the forecast, the day it ends: the
    day after the last of today's producers' licenses runs out (the horizon alone read as
    "gap in 30 d" for a license lapsing in 18)."""
    count = row.counts[0].producers if row.counts else 0
    gap_in = min(row.gaps, default=None)
    if gap_in is None or count == 0:
        return Cell(count, gap_in, None)
    horizon = today + timedelta(days=gap_in)
    ends = [e.expiration_date for e in row.expiring if e.expiration_date < horizon]
    return Cell(count, gap_in, max(ends) + timedelta(days=1) if ends else None)


def _received(conn: sa.Connection, agency_id: int, since: datetime) -> dict[str, int]:
    """Leads received since ``since``, by state."""
    found = conn.execute(
        sa.select(leads.c.state, sa.func.count())
        .where(
            leads.c.agency_id == agency_id,
            leads.c.created_at >= since,
            leads.c.state.is_not(None),
        )
        .group_by(leads.c.state)
    ).all()
    return {state: int(n) for state, n in found}


def _territory_states(conn: sa.Connection, agency_id: int) -> set[str]:
    found = conn.execute(
        sa.select(territories.c.states).where(territories.c.agency_id == agency_id)
    )
    return {str(state).upper() for (states,) in found for state in states or ()}


def _expiring(conn: sa.Connection, agency_id: int, today: date) -> list[ExpiringLicense]:
    found = conn.execute(
        sa.select(licenses, producers.c.name.label("producer_name"))
        .join(producers, producers.c.id == licenses.c.producer_id)
        .where(
            licenses.c.agency_id == agency_id,
            licenses.c.status == "active",
            licenses.c.expiration_date.is_not(None),
            licenses.c.expiration_date >= today - LAPSED_WITHIN,
            licenses.c.expiration_date <= today + EXPIRING_WITHIN,
        )
        .order_by(licenses.c.expiration_date, licenses.c.id)
    ).all()
    return [
        ExpiringLicense(
            license_id=r.id,
            producer_id=r.producer_id,
            producer_name=r.producer_name,
            state=r.state,
            number=r.number,
            lines=tuple(sorted(r.lines)),
            expiration_date=r.expiration_date,
            days_left=(r.expiration_date - today).days,
        )
        for r in found
    ]


def gate_refusals(
    conn: sa.Connection, *, agency_id: int, limit: int = REFUSALS_SHOWN, scan: int = 500
) -> list[GateRefusal]:
    """The newest decisions (of the last ``scan`` that queued a lead) in which the license gate
    left the lead waiting, newest first."""
    found = conn.execute(
        sa.select(
            decisions.c.id,
            decisions.c.lead_id,
            decisions.c.created_at,
            decisions.c.kind,
            decisions.c.explanation,
            leads.c.state,
            leads.c.insurance_type,
            leads.c.first_name,
            leads.c.last_name,
            leads.c.phone,
        )
        .join(leads, leads.c.id == decisions.c.lead_id)
        .where(decisions.c.agency_id == agency_id, decisions.c.outcome == "queued")
        .order_by(decisions.c.id.desc())
        .limit(scan)
    ).all()
    out = []
    for r in found:
        reason = _reason(r.explanation)
        if reason is None or not any(word in reason for word in _GATE_WORDS):
            continue
        out.append(
            GateRefusal(
                r.id,
                r.lead_id,
                r.created_at,
                r.kind,
                r.state,
                r.insurance_type,
                reason,
                r.first_name,
                r.last_name,
                r.phone,
            )
        )
        if len(out) == limit:
            break
    return out


def _reason(explanation: Any) -> str | None:
    reason = explanation.get("reason") if isinstance(explanation, dict) else None
    return reason if isinstance(reason, str) else None


def _chain(conn: sa.Connection, agency_id: int) -> ChainStatus:
    records = conn.execute(
        sa.select(sa.func.count()).select_from(decisions).where(decisions.c.agency_id == agency_id)
    ).scalar_one()
    last = cp.kept(conn, agency_id=agency_id, cursor=None, limit=1).items
    return ChainStatus(
        int(records), verify_chain(conn, agency_id=agency_id), last[0] if last else None
    )
