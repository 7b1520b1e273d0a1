"""The coverage gap forecast: licensed producers per state and line, now and ahead.

A producer counts for a state and a line of authority on a day exactly when the license
gate would let them take a lead that needs only that line on that day (active producer; an
active, verified license in force on that agency-calendar day). The forecast assumes
nothing is renewed, which is the point: it shows where coverage ends if nobody acts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from leadrouter.domain.compliance import LINE_LABELS, gate_on
from leadrouter.domain.insurance import InsuranceType
from leadrouter.domain.model import License, Producer
from leadrouter.store.agency_repo import agency_today
from leadrouter.store.roster_repo import load_roster
from leadrouter.store.uow import UnitOfWork

HORIZONS = (0, 30, 60, 90)


@dataclass(frozen=True)
class HorizonCount:
    days: int
    on: date
    producers: int


@dataclass(frozen=True)
class Expiring:
    """A producer who counts now and drops out within the forecast, and when."""

    producer_id: int
    producer_name: str
    license_id: int
    expiration_date: date


@dataclass(frozen=True)
class CoverageRow:
    state: str
    line: str
    label: str
    counts: tuple[HorizonCount, ...]
    gaps: tuple[int, ...]
    """The horizons (days ahead) at which fewer than ``minimum`` producers are licensed."""
    expiring: tuple[Expiring, ...]


def _only(line: str) -> InsuranceType:
    """A pseudo insurance type needing just ``line``, so the gate itself does the counting."""
    return InsuranceType(f"loa:{line}", LINE_LABELS.get(line, line), "", (frozenset({line}),))


def coverage(
    conn: sa.Connection,
    *,
    agency_id: int,
    now: datetime,
    horizons: Sequence[int] = HORIZONS,
    minimum: int = 1,
) -> list[CoverageRow]:
    """Per state and line of authority held by anyone, licensed producers at each horizon."""
    today = agency_today(conn, agency_id, now)
    roster = load_roster(conn, agency_id)
    held: dict[int, list[License]] = {}
    for lic in roster.licenses:
        held.setdefault(lic.producer_id, []).append(lic)
    pairs = sorted({(lic.state, line) for lic in roster.licenses for line in lic.lines})
    days = sorted(set(horizons))
    return [
        _row(state, line, roster.producers, held, today, days, minimum) for state, line in pairs
    ]


def _row(
    state: str,
    line: str,
    people: Sequence[Producer],
    held: dict[int, list[License]],
    today: date,
    days: list[int],
    minimum: int,
) -> CoverageRow:
    itype = _only(line)
    counted: dict[int, list[Producer]] = {}
    for d in days:
        counted[d] = [
            p
            for p in people
            if gate_on(
                p,
                held.get(p.id, ()),
                state=state,
                insurance_type=itype,
                today=today + timedelta(days=d),
            ).eligible
        ]
    counts = tuple(HorizonCount(d, today + timedelta(days=d), len(counted[d])) for d in days)
    gaps = tuple(c.days for c in counts if c.producers < minimum)
    first, last = (counted[days[0]], counted[days[-1]]) if days else ([], [])
    staying = {p.id for p in last}
    expiring = []
    for p in first:
        if p.id in staying:
            continue
        valid = [
            lic
            for lic in held[p.id]
            if gate_on(
                p, [lic], state=state, insurance_type=itype, today=today + timedelta(days=days[0])
            ).eligible
        ]
        lic = max(valid, key=lambda x: (x.expiration_date or date.max, x.id))
        expiring.append(Expiring(p.id, p.name, lic.id, lic.expiration_date or date.max))
    return CoverageRow(
        state,
        line,
        itype.label,
        counts,
        gaps,
        tuple(sorted(expiring, key=lambda e: (e.expiration_date, e.producer_id))),
    )


def coverage_report(
    *,
    uow: UnitOfWork,
    agency_id: int,
    now: datetime,
    horizons: Sequence[int] = HORIZONS,
    minimum: int = 1,
) -> list[CoverageRow]:
    """``coverage`` in a read-only transaction of its own."""
    with uow:
        return coverage(uow.conn, agency_id=agency_id, now=now, horizons=horizons, minimum=minimum)
