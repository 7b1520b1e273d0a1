"""The figures every report, page and the weighted score read: one aggregate over leads.

A cohort is the agency's leads received in ``[since, until)``; the figures of a group count
what became of them (contacted, first response, quoted, bound, lost, premium, commission).
The producer of a lead is its current owner. Producer statistics, the monthly report, source
ROI and routing's close rate and response time all come from ``lead_figures``, so a number on
a page and the number the router weighs are the same number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from leadrouter.store.tables import leads

Dimension = Literal["producer", "line", "tier", "source", "insurance_type"]
DIMENSIONS: dict[str, sa.ColumnElement[Any]] = {
    "producer": leads.c.owner_id,
    "line": leads.c.business_line,
    "tier": leads.c.intent_tier,
    "source": leads.c.source_name,
    "insurance_type": leads.c.insurance_type,
}
CENT = Decimal("0.01")
FIVE_MINUTES = 300
THIRTY_MINUTES = 1800


@dataclass(frozen=True)
class Figures:
    """What became of one group of leads; rates are None when their denominator is 0."""

    leads: int = 0
    contacted: int = 0
    within_5_min: int = 0
    within_30_min: int = 0
    response_seconds_total: int = 0
    quoted: int = 0
    bound: int = 0
    lost: int = 0
    premium: Decimal = Decimal("0")
    commission: Decimal = Decimal("0")
    quoted_premium: Decimal = Decimal("0")

    @property
    def never_contacted(self) -> int:
        return self.leads - self.contacted

    @property
    def contact_rate(self) -> float | None:
        return _ratio(self.contacted, self.leads)

    @property
    def avg_response_seconds(self) -> float | None:
        """The mean first response over the contacted leads."""
        return _ratio(self.response_seconds_total, self.contacted)

    @property
    def pct_within_5_min(self) -> float | None:
        """Share of all leads (contacted or not) first reached within 5 minutes."""
        return _ratio(self.within_5_min, self.leads)

    @property
    def pct_within_30_min(self) -> float | None:
        return _ratio(self.within_30_min, self.leads)

    @property
    def quote_rate(self) -> float | None:
        """Lead to quote: share of leads ever quoted (a bind counts as quoted)."""
        return _ratio(self.quoted, self.leads)

    @property
    def quote_to_bind(self) -> float | None:
        return _ratio(self.bound, self.quoted)

    @property
    def close_rate(self) -> float | None:
        """Bound out of the leads with a result (bound or lost); open leads do not count."""
        return _ratio(self.bound, self.bound + self.lost)

    @property
    def lead_to_bind(self) -> float | None:
        return _ratio(self.bound, self.leads)

    def __add__(self, other: Figures) -> Figures:
        """Figures of two disjoint groups together (every count and sum adds up)."""
        return Figures(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    def rates(self) -> dict[str, float | None]:
        """Every derived figure by name (what the JSON API adds to the counts)."""
        return {
            "contact_rate": self.contact_rate,
            "avg_response_seconds": self.avg_response_seconds,
            "pct_within_5_min": self.pct_within_5_min,
            "pct_within_30_min": self.pct_within_30_min,
            "quote_rate": self.quote_rate,
            "quote_to_bind": self.quote_to_bind,
            "close_rate": self.close_rate,
            "lead_to_bind": self.lead_to_bind,
        }


def _values(f: Figures) -> tuple[Any, ...]:
    return tuple(getattr(f, field.name) for field in fields(f))


def rollup(
    found: Mapping[tuple[Any, ...], Figures], *positions: int
) -> dict[tuple[Any, ...], Figures]:
    """Finer groups summed into coarser ones: the key parts at ``positions`` kept."""
    out: dict[tuple[Any, ...], Figures] = {}
    for key, f in found.items():
        coarse = tuple(key[i] for i in positions)
        out[coarse] = out[coarse] + f if coarse in out else f
    return out


def _ratio(part: int | float, whole: int) -> float | None:
    return part / whole if whole else None


def cohort(
    agency_id: int,
    since: datetime | None,
    until: datetime | None,
    producer_id: int | None = None,
) -> sa.ColumnElement[bool]:
    """The agency's leads received in ``[since, until)`` (either end may be open), only
    ``producer_id``'s when given."""
    cond = leads.c.agency_id == agency_id
    if producer_id is not None:
        cond = sa.and_(cond, leads.c.owner_id == producer_id)
    if since is not None:
        cond = sa.and_(cond, leads.c.created_at >= since)
    if until is not None:
        cond = sa.and_(cond, leads.c.created_at < until)
    return cond


_AGGREGATES = (
    sa.func.count().label("leads"),
    sa.func.count(leads.c.first_contact_at).label("contacted"),
    sa.func.sum(sa.case((leads.c.response_seconds <= FIVE_MINUTES, 1), else_=0)).label("w5"),
    sa.func.sum(sa.case((leads.c.response_seconds <= THIRTY_MINUTES, 1), else_=0)).label("w30"),
    sa.func.sum(
        sa.case((leads.c.first_contact_at.is_not(None), leads.c.response_seconds), else_=0)
    ).label("rsum"),
    sa.func.sum(
        sa.case((sa.or_(leads.c.quoted_at.is_not(None), leads.c.status == "bound"), 1), else_=0)
    ).label("quoted"),
    sa.func.sum(sa.case((leads.c.status == "bound", 1), else_=0)).label("bound"),
    sa.func.sum(sa.case((leads.c.status == "lost", 1), else_=0)).label("lost"),
    sa.func.sum(leads.c.premium).label("premium"),
    sa.func.sum(leads.c.commission).label("commission"),
    sa.func.sum(leads.c.quoted_premium).label("qpremium"),
)


def lead_figures(
    conn: sa.Connection,
    *,
    agency_id: int,
    since: datetime | None,
    until: datetime | None,
    by: Sequence[Dimension] = (),
    producer_id: int | None = None,
    buckets: Sequence[datetime] = (),
) -> dict[tuple[Any, ...], Figures]:
    """The cohort's figures grouped by the ``by`` dimensions (keys in that order; ``()``
    for the whole cohort, which is always present, if only with zeros). With ``buckets``
    (ascending instants) the key starts with the index of the bucket a lead arrived in."""
    keys = [DIMENSIONS[d] for d in by]
    if buckets:
        keys.insert(0, bucket_of(buckets))
    query = sa.select(*keys, *_AGGREGATES).where(cohort(agency_id, since, until, producer_id))
    if keys:
        query = query.group_by(*keys)
    found = {tuple(r[: len(keys)]): _figures(r) for r in conn.execute(query)}
    if not keys and not found:
        found[()] = Figures()
    return found


def bucket_of(bounds: Sequence[datetime]) -> sa.ColumnElement[Any]:
    """The index i of the span ``[bounds[i], bounds[i+1])`` a lead arrived in (the last
    span is open-ended; the cohort's own bounds cut the ends)."""
    whens = [(leads.c.created_at < b, i) for i, b in enumerate(bounds[1:])]
    if not whens:
        return sa.literal(0)
    return sa.case(*whens, else_=len(bounds) - 1)


def _figures(r: Any) -> Figures:
    return Figures(
        leads=int(r.leads),
        contacted=int(r.contacted),
        within_5_min=int(r.w5 or 0),
        within_30_min=int(r.w30 or 0),
        response_seconds_total=int(r.rsum or 0),
        quoted=int(r.quoted or 0),
        bound=int(r.bound or 0),
        lost=int(r.lost or 0),
        premium=_cents(r.premium),
        commission=_cents(r.commission),
        quoted_premium=_cents(r.qpremium),
    )


def _cents(total: Any) -> Decimal:
    """A money sum to the cent (SQLite sums NUMERIC as floating point)."""
    return Decimal(str(total or 0)).quantize(CENT)
