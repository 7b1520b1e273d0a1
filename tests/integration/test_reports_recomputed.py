"""The monthly report and producer statistics, proved against hand-written SQL over the raw
history (activities, status changes, decisions, the outbox) of a simulated month."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.reports.monthly import MonthlyReport, monthly_report
from leadrouter.services.reports.producer_stats import producer_stats
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.sim.month import MonthResult, simulate_month

pytestmark = pytest.mark.slow  # a simulated month of an agency

MONTH = date(2026, 10, 1)
TZ = ZoneInfo("America/New_York")
START = datetime(2026, 10, 1, tzinfo=TZ).astimezone(UTC)
END = datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)


@dataclass(frozen=True)
class Month:
    container: Container
    agency_id: int
    result: MonthResult
    report: MonthlyReport


@pytest.fixture
def month(container: Container, clock: FixedClock) -> Iterator[Month]:
    clock.set(START)
    agency = load_synthetic_agency(container, producers=4, name="Month Agency")
    result = simulate_month(container, clock, agency, start=START, days=31, lead_count=40)
    report = monthly_report(
        uow=container.uow(readonly=True), agency_id=agency.agency_id, now=clock.now(), month=MONTH
    )
    yield Month(container, agency.agency_id, result, report)


def _seconds(dialect: str, later: str, earlier: str) -> str:
    if dialect == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})))"
    # Whole seconds, cut like the speed timer's (a contact 299.9 s in is within 5 minutes).
    return f"CAST((julianday({later}) - julianday({earlier})) * 86400 + 0.0005 AS INTEGER)"


def _leads(conn: sa.Connection, agency_id: int) -> list[Any]:
    """Each lead of the month from the raw history: its first contact activity, whether a
    status change ever quoted or bound it, its source's price."""
    first = _seconds(conn.dialect.name, "fc.first_at", "l.created_at")
    sql = f"""
        SELECT l.id, l.owner_id, l.source_name, l.business_line, l.status, l.premium,
               l.commission, COALESCE(s.cost_per_lead, 0) AS cost,
               CASE WHEN fc.first_at IS NULL THEN NULL ELSE {first} END AS response,
               EXISTS (SELECT 1 FROM lead_status_changes c WHERE c.lead_id = l.id
                       AND c.status IN ('quoted', 'bound')) AS quoted,
               EXISTS (SELECT 1 FROM lead_status_changes c WHERE c.lead_id = l.id
                       AND c.status = 'bound') AS bound
        FROM leads l
        LEFT JOIN (SELECT lead_id, MIN(at) AS first_at FROM activities
                   WHERE kind = 'contact_made' GROUP BY lead_id) fc ON fc.lead_id = l.id
        LEFT JOIN lead_sources s ON s.agency_id = l.agency_id AND s.name = l.source_name
        WHERE l.agency_id = :agency AND l.created_at >= :start AND l.created_at < :end
    """
    params = {"agency": agency_id, "start": _naive(conn, START), "end": _naive(conn, END)}
    return list(conn.execute(sa.text(sql), params).all())


def _naive(conn: sa.Connection, at: datetime) -> Any:
    """SQLite keeps instants as naive UTC text; PostgreSQL takes them with their zone."""
    return at.replace(tzinfo=None) if conn.dialect.name == "sqlite" else at


def _count(conn: sa.Connection, sql: str, agency_id: int) -> int:
    params = {"agency": agency_id, "start": _naive(conn, START), "end": _naive(conn, END)}
    return int(conn.execute(sa.text(sql), params).scalar_one())


@pytest.mark.slow  # a month of the worker on a virtual clock: about half a minute per database
def test_the_monthly_report_equals_an_independent_sql_recomputation_of_a_simulated_month(
    month: Month,
) -> None:
    r = month.report
    with month.container.engine.connect() as conn:
        rows = _leads(conn, month.agency_id)
        reassigned = _count(
            conn,
            "SELECT COUNT(*) FROM decisions WHERE agency_id = :agency AND kind = 'reassign' "
            "AND outcome = 'assigned' AND created_at >= :start AND created_at < :end",
            month.agency_id,
        )
        escalated = _count(
            conn,
            "SELECT COUNT(*) FROM outbox WHERE agency_id = :agency AND channel = 'inapp' "
            "AND event = 'lead.escalated' AND recipient = 'role:manager' "
            "AND created_at >= :start AND created_at < :end",
            month.agency_id,
        )
    # The simulated month has what the report must count: reassignments and escalations too.
    assert month.result.leads == len(rows) == r.total.leads == 40
    assert reassigned > 0 and escalated > 0 and month.result.binds > 0
    assert (r.reassignments, r.escalations) == (reassigned, escalated)

    responses = [float(x.response) for x in rows if x.response is not None]
    t = r.total
    assert t.contacted == len(responses)
    assert t.never_contacted == sum(1 for x in rows if x.response is None)
    assert t.avg_response_seconds == pytest.approx(statistics.fmean(responses))
    assert r.median_response_seconds == pytest.approx(statistics.median(responses))
    assert t.within_5_min == sum(1 for s in responses if s <= 300)
    assert t.within_30_min == sum(1 for s in responses if s <= 1800)
    assert t.quoted == sum(1 for x in rows if x.quoted)
    assert t.bound == sum(1 for x in rows if x.bound)
    assert t.lost == sum(1 for x in rows if x.status == "lost")
    assert t.premium == sum((_money(x.premium) for x in rows if x.bound), Decimal(0))
    assert t.commission == sum((_money(x.commission) for x in rows if x.bound), Decimal(0))

    cost = sum((_money(x.cost) for x in rows), Decimal(0))
    assert r.cost == cost
    assert r.cost_per_bind == (cost / t.bound).quantize(Decimal("0.01"))
    for s in r.by_source:
        mine = [x for x in rows if (x.source_name or "(no source)") == s.source]
        assert s.figures.leads == len(mine)
        assert s.figures.bound == sum(1 for x in mine if x.bound)
        assert s.cost == sum((_money(x.cost) for x in mine), Decimal(0))
        commission = sum((_money(x.commission) for x in mine if x.bound), Decimal(0))
        assert s.roi == (
            None if not s.cost else pytest.approx(float((commission - s.cost) / s.cost))
        )
    assert sum(s.figures.leads for s in r.by_source) == 40
    assert {g.key: g.figures.leads for g in r.by_line} == _tally(x.business_line for x in rows)
    for g in r.by_producer:
        mine = [x for x in rows if x.owner_id == g.producer_id]
        times = [float(x.response) for x in mine if x.response is not None]
        assert g.figures.leads == len(mine)
        assert g.figures.contacted == len(times)
        assert g.figures.bound == sum(1 for x in mine if x.bound)
        assert g.median_response_seconds == (
            pytest.approx(statistics.median(times)) if times else None
        )
    ranked = [g.figures.close_rate for g in r.ranked]
    assert ranked == sorted(ranked, key=lambda c: -(c if c is not None else -1))
    _producer_statistics_add_up_to_the_month(month)


def _producer_statistics_add_up_to_the_month(month: Month) -> None:
    """The trailing window (the month and the days after it) holds just the month's leads."""
    stats = producer_stats(
        uow=month.container.uow(readonly=True),
        agency_id=month.agency_id,
        now=month.container.clock.now(),
        days=60,
    )
    by_producer = {g.producer_id: g for g in month.report.by_producer}
    for p in stats.producers:
        assert p.figures == by_producer[p.producer_id].figures
        fine = [row.figures for row in stats.rows if row.producer_id == p.producer_id]
        assert sum(f.leads for f in fine) == p.figures.leads
        assert sum(f.bound for f in fine) == p.figures.bound


def _money(value: Any) -> Decimal:
    """SQLite hands back NUMERIC sums as floats: to the cent, as the report keeps money."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _tally(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v or "(no line)"] = out.get(v or "(no line)", 0) + 1
    return out
