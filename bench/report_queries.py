"""Every dashboard, portal and report query at 1,000,000 leads, on SQLite and PostgreSQL.

The leads belong to ``LEADROUTER_BENCH_REPORT_AGENCIES`` agencies (10 by default: the
measured one holds 100,000 leads, about 140 a day for two years, a very large agency; set it
to 1 for the worst case of one agency holding them all), spread over the two years before
now, with contacts, quotes, binds, losses, a reassignment for one lead in ten and a manager
escalation for one in twenty; the last two days' uncontacted leads keep open assignments.
The rows are made by set-based SQL (a recursive CTE on SQLite, ``generate_series`` on
PostgreSQL) in chunks behind a progress bar, with the secondary indexes and the rollups'
triggers off and the foreign keys checked once after the load instead of row by row (added
back on PostgreSQL, ``PRAGMA foreign_key_check`` on SQLite); then the indexes are built and
the daily rollups rebuilt by one INSERT ... SELECT per table (both timed, wall and CPU).
Each query is the service call a page, the API or the CLI makes (its own read transaction),
listed by name, timed after two warm-up calls; p50 and p99 of the samples, and this
process's CPU time (on a machine shared with other work, wall time also counts the waits for
a core; on SQLite the CPU time is the query's own). Target: <= 100 ms each.

``LEADROUTER_BENCH_REPORT_LEADS`` sets the number of leads (e.g. 20000 for a quick run),
``LEADROUTER_BENCH_REPORT_DATABASES`` which databases (``sqlite,postgresql``); or
``python -m bench.report_queries --leads 20000 --agencies 2 --db sqlite``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.harness import scratch_database
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.dashboard import alerts, charts, numbers
from leadrouter.services.dashboard.changes import fingerprint
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.services.dashboard.portal import my_leads
from leadrouter.services.dashboard.recent import recent_leads
from leadrouter.services.leads.activities import list_activities
from leadrouter.services.leads.intake import get_lead
from leadrouter.services.people.access import lead_owner
from leadrouter.services.reports.export import ExportFilter, export_rows
from leadrouter.services.reports.monthly import monthly_report
from leadrouter.services.reports.periods import current_month
from leadrouter.services.reports.producer_stats import producer_stats
from leadrouter.services.reports.rollups import rebuild_rollups
from leadrouter.services.reports.source_roi import source_roi
from leadrouter.services.reports.today import today_figures
from leadrouter.services.routing import decisions
from leadrouter.store.migrate import upgrade
from leadrouter.store.rollup_triggers import create_triggers, drop_triggers
from leadrouter.store.stats_repo import track_records
from leadrouter.store.tables import assignments, escalations, lead_sources, leads, producers

LEADS = int(os.environ.get("LEADROUTER_BENCH_REPORT_LEADS", "1000000"))
AGENCIES = int(os.environ.get("LEADROUTER_BENCH_REPORT_AGENCIES", "10"))
DATABASES = tuple(
    os.environ.get("LEADROUTER_BENCH_REPORT_DATABASES", "sqlite,postgresql").lower().split(",")
)
CHUNK = 25_000  # leads per INSERT ... SELECT (one step of the progress bar)
PRODUCERS = 40
SPAN_DAYS = 730
SAMPLES = 20
TARGET_MS = 100.0
NOW = datetime(2026, 11, 15, 15, 0, tzinfo=UTC)
LOADED = (leads, assignments, escalations)  # the tables the load fills in bulk


@dataclass(frozen=True)
class Row:
    database: str
    query: str
    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float = 0.0  # this process's CPU time: SQLite's work, not PostgreSQL's


def _seed_roster(c: Container, n: int) -> tuple[int, int]:
    """The agency and its producers (ids contiguous from the first); its lead sources."""
    agency_id = create_agency(uow=c.uow(), name=f"Bench Agency {n}", now=NOW).agency_id
    with c.uow() as uow:
        first = None
        for n in range(PRODUCERS):
            pid = uow.conn.execute(
                producers.insert()
                .values(
                    agency_id=agency_id,
                    name=f"Producer {n}",
                    email=f"p{n}@bench{agency_id}.example",
                    timezone="America/New_York",
                    working_hours=[],
                    out_of_office=[],
                    business_lines=["personal", "commercial"],
                    role="producer",
                    active=True,
                    created_at=NOW,
                )
                .returning(producers.c.id)
            ).scalar_one()
            first = first or pid
        for name, cost in (("Google Ads", 45), ("Facebook Ads", 25), ("Referral", 0)):
            uow.conn.execute(
                lead_sources.insert().values(
                    agency_id=agency_id,
                    name=name,
                    cost_per_lead=cost,
                    active=True,
                    created_at=NOW,
                )
            )
        uow.commit()
    assert first is not None
    return agency_id, int(first)


def _at(dialect: str, seconds_ago: str) -> str:
    """SQL for NOW minus an integer expression of seconds, as the dialect stores instants."""
    if dialect == "postgresql":
        return f"(CAST(:now AS timestamptz) - ({seconds_ago}) * interval '1 second')"
    return f"strftime('%Y-%m-%d %H:%M:%f', :now, '-' || ({seconds_ago}) || ' seconds')"


def _plus(dialect: str, at: str, seconds: str) -> str:
    if dialect == "postgresql":
        return f"({at} + ({seconds}) * interval '1 second')"
    return f"strftime('%Y-%m-%d %H:%M:%f', {at}, '+' || ({seconds}) || ' seconds')"


def _series(dialect: str) -> str:
    """Rows n = :lo .. :hi, set-based (no Python loop per row)."""
    if dialect == "postgresql":
        return "FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS s(n)"
    return "FROM s"


def _with_series(dialect: str) -> str:
    if dialect == "postgresql":
        return ""
    return "WITH RECURSIVE s(n) AS (SELECT :lo UNION ALL SELECT n + 1 FROM s WHERE n < :hi) "


def _seed_leads(
    conn: sa.Connection, agency_id: int, first_producer: int, count: int, lo: int, hi: int
) -> None:
    """Leads ``lo`` to ``hi`` of an agency's ``count`` in one INSERT ... SELECT."""
    d = conn.dialect.name
    step = SPAN_DAYS * 86400 // count or 1
    created = _at(d, f"n * {step}")
    r1, r2, r3 = "((n * 7919) % 100)", "((n * 104729) % 100)", "((n * 15485863) % 3)"
    status = (
        f"CASE WHEN {r1} >= 90 THEN 'assigned' WHEN {r2} < 20 THEN 'bound' "
        f"WHEN {r2} < 50 THEN 'lost' WHEN {r2} < 70 THEN 'quoted' ELSE 'contacted' END"
    )
    response = f"CASE WHEN {r1} < 90 THEN ({r2} * 37 + n % 60) ELSE NULL END"
    select = f"""
        SELECT :agency, {status}, 'Bench', 'Lead' || n,
               CASE n % 4 WHEN 0 THEN 'home' WHEN 1 THEN 'commercial_auto'
                          ELSE 'personal_auto' END,
               CASE n % 4 WHEN 1 THEN 'commercial' ELSE 'personal' END,
               CASE n % 5 WHEN 0 THEN 'Google Ads' WHEN 1 THEN 'Facebook Ads'
                          WHEN 2 THEN 'Referral' WHEN 3 THEN 'QuoteWizard' ELSE NULL END,
               CASE {r3} WHEN 0 THEN 'hot' WHEN 1 THEN 'warm' ELSE 'cold' END,
               :first + n % {PRODUCERS}, {_false(d)}, '{{}}', '{{}}', {_false(d)}, 1,
               {created}, {created}, {created}, {created},
               CASE WHEN {r1} < 90 THEN {_plus(d, created, response)} END,
               {response},
               CASE WHEN {r1} < 90 AND {r2} < 70 THEN {_plus(d, created, "86400")} END,
               CASE WHEN {r1} < 90 AND {r2} < 70 THEN 600 + n % 2000 END,
               CASE WHEN {r1} < 90 AND {r2} < 20 THEN {_plus(d, created, "259200")} END,
               CASE WHEN {r1} < 90 AND {r2} < 20 THEN 500 + n % 3000 END,
               CASE WHEN {r1} < 90 AND {r2} < 20 THEN (500 + n % 3000) / 10.0 END,
               CASE WHEN {r1} < 90 AND {r2} >= 20 AND {r2} < 50 THEN 'price' END
    """
    columns = """(agency_id, status, first_name, last_name, insurance_type, business_line,
        source_name, intent_tier, owner_id, exclusive, attributes, flags, do_not_contact,
        touch_count, last_touch_at, created_at, status_changed_at, first_assigned_at,
        first_contact_at, response_seconds, quoted_at, quoted_premium, bound_at, premium,
        commission, lost_reason)"""
    sql = f"INSERT INTO leads {columns} {_with_series(d)}{select} {_series(d)}"
    now = NOW if d == "postgresql" else NOW.replace(tzinfo=None).isoformat(sep=" ")
    params = {"agency": agency_id, "first": first_producer, "lo": lo, "hi": hi, "now": now}
    conn.execute(sa.text(sql), params)


def _seed_assignments(conn: sa.Connection, agency_id: int) -> None:
    """One assignment per lead, ended, a reassignment for one lead in ten and a manager
    escalation for one in twenty; the leads of the last two days still waiting for a first
    contact keep theirs open (the alerts, the follow-ups and the portal read those)."""
    d = conn.dialect.name
    recent = _at(d, "172800")
    now = NOW if d == "postgresql" else NOW.replace(tzinfo=None).isoformat(sep=" ")
    params = {"agency": agency_id, "now": now}
    conn.execute(
        sa.text(f"""
        INSERT INTO assignments (agency_id, lead_id, producer_id, kind, state, started_at,
                                 ended_at, next_due_at, done_steps)
        SELECT agency_id, id, owner_id, CASE WHEN id % 10 = 0 THEN 'reassign' ELSE 'route'
               END,
               CASE WHEN status = 'assigned' AND created_at >= {recent} THEN 'active'
                    ELSE 'ended' END,
               created_at,
               CASE WHEN status = 'assigned' AND created_at >= {recent} THEN NULL
                    ELSE {_plus(d, "created_at", "3600")} END,
               CASE WHEN status = 'assigned' AND created_at >= {recent}
                    THEN {_plus(d, "created_at", "3600")} END,
               '[]'
        FROM leads WHERE agency_id = :agency"""),
        params,
    )
    conn.execute(
        sa.text(f"""
        INSERT INTO escalations (agency_id, lead_id, assignment_id, step, at)
        SELECT agency_id, id, id, 'esc:alert_manager:1h', {_plus(d, "created_at", "3600")}
        FROM leads WHERE agency_id = :agency AND id % 20 = 0"""),
        params,
    )


def _false(dialect: str) -> str:
    return "false" if dialect == "postgresql" else "0"


def _queries(c: Container, agency_id: int, producer_id: int) -> dict[str, Callable[[], Any]]:
    """Every query of the dashboard, the portal and the reports, as the pages, the API and
    the CLI call it (each in its own read transaction)."""
    last_month = current_month(NOW - timedelta(days=31), "America/New_York")
    this_month = current_month(NOW, "America/New_York")
    a, me, now = agency_id, producer_id, NOW
    with c.engine.connect() as conn:
        lead_id = conn.execute(
            sa.select(sa.func.max(leads.c.id)).where(leads.c.agency_id == a, leads.c.owner_id == me)
        ).scalar_one()

    def read() -> Any:
        return c.uow(readonly=True)

    def table() -> Any:
        return numbers.producer_rows(uow=read(), agency_id=a, now=now)

    rows = table()

    def records() -> Any:
        with c.uow(readonly=True) as uow:
            return track_records(uow.conn, agency_id=a, since=now - timedelta(90), now=now)

    def export_page() -> Any:
        out = export_rows(uow=read(), agency_id=a, filters=ExportFilter(), now=now)
        return [next(out) for _ in range(1000)]

    def lead_page() -> Any:
        return (
            lead_owner(uow=read(), agency_id=a, lead_id=lead_id),
            get_lead(uow=read(), agency_id=a, lead_id=lead_id),
            list_activities(uow=read(), agency_id=a, lead_id=lead_id),
            decisions.lead_decisions(uow=read(), agency_id=a, lead_id=lead_id),
        )

    return {
        # The live dashboard (web/pages/dashboard.py), box by box.
        "dashboard: today's leads, contacted, speed": lambda: numbers.today(
            uow=read(), agency_id=a, now=now
        ),
        "dashboard: producer table (today + 90 days)": table,
        "dashboard: alerts": lambda: alerts.alerts(
            uow=read(), deps=c.routing, agency_id=a, now=now, table=rows
        ),
        "dashboard: pipeline": lambda: numbers.pipeline(uow=read(), agency_id=a, now=now),
        "dashboard: queue": lambda: decisions.queue(uow=read(), agency_id=a, limit=50),
        "dashboard: newest leads": lambda: recent_leads(uow=read(), agency_id=a),
        "dashboard: response-time chart, 30 days": lambda: charts.response_chart(
            uow=read(), agency_id=a, now=now
        ),
        "dashboard: funnel chart, 30 days": lambda: charts.funnel(uow=read(), agency_id=a, now=now),
        "dashboard: by-source chart, 30 days": lambda: charts.by_source(
            uow=read(), agency_id=a, now=now
        ),
        "dashboard: leads behind a bar (> 4 h)": lambda: charts.leads_behind(
            uow=read(), agency_id=a, now=now, key="response:> 4 h"
        ),
        "dashboard: leads behind a bar (bound)": lambda: charts.leads_behind(
            uow=read(), agency_id=a, now=now, key="funnel:bound"
        ),
        "dashboard: live-update fingerprint (SSE, 1/s)": lambda: fingerprint(
            uow=read(), agency_id=a
        ),
        "dashboard: agency time zone": lambda: agency_zone(uow=read(), agency_id=a),
        # The producer portal (web/pages/portal.py) and a lead's page (web/pages/leads.py).
        "portal: my leads by urgency": lambda: my_leads(
            uow=read(), deps=c.routing, agency_id=a, producer_id=me, now=now
        ),
        "portal: my numbers (today + 90 days)": lambda: numbers.producer_rows(
            uow=read(), agency_id=a, now=now, producer_id=me
        ),
        "lead page: lead, activities, decisions": lead_page,
        # The reports (web/pages/reports.py, the API, the CLI).
        "report: producer statistics, 90 days": lambda: producer_stats(
            uow=read(), agency_id=a, now=now
        ),
        "report: source ROI, this month": lambda: source_roi(
            uow=read(), agency_id=a, now=now, first=this_month, last=this_month
        ),
        "report: source ROI, 12 months": lambda: source_roi(uow=read(), agency_id=a, now=now),
        "report: monthly (last month)": lambda: monthly_report(
            uow=read(), agency_id=a, now=now, month=last_month
        ),
        "report: today's figures (API)": lambda: today_figures(uow=read(), agency_id=a, now=now),
        "report: export, first 1,000 rows": export_page,
        "routing: producer records (weighted score)": records,
    }


def _time(call: Callable[[], Any]) -> tuple[float, float, float]:
    """p50 and p99 of wall time, and the p50 of this process's CPU time (on a shared,
    loaded machine wall time also counts the waits for a core; CPU time does not)."""
    for _ in range(2):
        call()
    samples, cpu = [], []
    for _ in range(SAMPLES):
        t0, c0 = time.perf_counter(), time.process_time()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return statistics.median(samples), p99, statistics.median(cpu)


def _seed(c: Container, progress: Any) -> tuple[int, int]:
    """The agencies, their leads (a progress bar), assignments and escalations; the measured
    agency and its first producer. Like any bulk load, it runs with the rollups' triggers and
    the big tables' secondary indexes off, builds the indexes after (a sort, not a million
    random inserts) and rebuilds the rollups (``leadrouter report rebuild-rollups``)."""
    per_agency = LEADS // AGENCIES
    task = progress.add_task("leads", total=per_agency * AGENCIES)
    measured: tuple[int, int] | None = None
    indexes = [*leads.indexes, *assignments.indexes]
    postgres = c.engine.dialect.name == "postgresql"
    foreign_keys = [fk for t in LOADED for fk in t.foreign_key_constraints]
    with c.engine.begin() as conn:
        drop_triggers(conn)
        for index in indexes:
            index.drop(conn)
        if postgres:  # checked row by row while loading; checked in one join each after
            for fk in foreign_keys:
                conn.execute(sa.schema.DropConstraint(fk))
    for n in range(AGENCIES):
        agency_id, first = _seed_roster(c, n)
        measured = measured or (agency_id, first)
        for lo in range(1, per_agency + 1, CHUNK):
            hi = min(per_agency, lo + CHUNK - 1)
            with c.engine.begin() as conn:
                _seed_leads(conn, agency_id, first, per_agency, lo, hi)
            progress.advance(task, hi - lo + 1)
        with c.engine.begin() as conn:
            _seed_assignments(conn, agency_id)
    building = progress.add_task("indexes", total=len(indexes))
    with c.engine.begin() as conn:
        if postgres:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for index in indexes:
            index.create(conn)
            progress.advance(building)
        if postgres:
            for fk in foreign_keys:
                conn.execute(sa.schema.AddConstraint(fk))
        else:
            for table in LOADED:
                broken = conn.exec_driver_sql(f"PRAGMA foreign_key_check({table.name})").first()
                assert broken is None, broken
        create_triggers(conn)
    assert measured is not None
    return measured


def _sqlite_cache(dbapi_conn: Any, _record: Any) -> None:
    """A page cache of 256 MB while loading (SQLite's default is 2 MB), and the foreign keys
    checked once after the load (``PRAGMA foreign_key_check``) rather than row by row."""
    dbapi_conn.execute("PRAGMA cache_size=-262144")
    dbapi_conn.execute("PRAGMA foreign_keys=OFF")


def _run_on(name: str, url: str) -> list[Row]:
    from rich.progress import Progress

    upgrade(url)
    c = bootstrap(Settings(database_url=url), clock=FixedClock(NOW))
    if c.engine.dialect.name == "sqlite":
        sa.event.listen(c.engine, "connect", _sqlite_cache)
        c.engine.dispose()  # every connection of the load opens with them
    t0, c0 = time.perf_counter(), time.process_time()
    with Progress(transient=True) as progress:
        progress.console.print(f"{name}: loading {LEADS:,} leads")
        agency_id, first = _seed(c, progress)
    seeded, seeded_cpu = time.perf_counter() - t0, time.process_time() - c0
    if c.engine.dialect.name == "sqlite":  # the queries run on the app's own settings
        sa.event.remove(c.engine, "connect", _sqlite_cache)
        c.engine.dispose()
    t0, c0 = time.perf_counter(), time.process_time()
    rebuild_rollups(uow=c.uow())
    rebuilt, rebuilt_cpu = time.perf_counter() - t0, time.process_time() - c0
    if c.engine.dialect.name == "postgresql":
        with c.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))  # what autovacuum does after a load
    else:
        with c.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    rows = [
        Row(
            name,
            f"(loading {LEADS:,} leads in {AGENCIES} agencies, ms)",
            seeded * 1000,
            0,
            seeded_cpu * 1000,
        ),
        Row(
            name,
            "(rebuilding the daily rollups from the leads, ms)",
            rebuilt * 1000,
            0,
            rebuilt_cpu * 1000,
        ),
    ]
    for label, call in _queries(c, agency_id, first).items():
        p50, p99, cpu = _time(call)
        rows.append(Row(name, label, p50, p99, cpu))
    c.engine.dispose()
    return rows


def run() -> Iterator[list[Row]]:
    """Each database's rows, as soon as it is measured."""
    for name, kind in (("SQLite", "sqlite"), ("PostgreSQL", "postgres")):
        if name.lower() in DATABASES:
            with scratch_database(kind, "bench_report_queries") as url:
                yield _run_on(name, url)


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    for rows in run():
        load = os.getloadavg()[0]
        table = Table(
            title=f"{rows[0].database}: report, statistics, portal and export queries at "
            f"{LEADS:,} leads, for an agency of {LEADS // AGENCIES:,} (p50/p99 of {SAMPLES} "
            f"calls; target <= {TARGET_MS:.0f} ms; load average {load:.1f} on "
            f"{os.cpu_count()} cores)"
        )
        for col in ("query", "p50 ms", "p99 ms", "target", "CPU p50 ms (this process)"):
            table.add_column(col)
        for r in rows:
            if r.query.startswith("("):
                table.add_row(r.query, f"{r.p50_ms:,.0f}", "", "", f"{r.cpu_p50_ms:,.0f}")
                continue
            ok = "ok" if r.p50_ms <= TARGET_MS and r.p99_ms <= TARGET_MS else "OVER"
            cpu = f"{r.cpu_p50_ms:.1f}"
            table.add_row(r.query, f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", ok, cpu)
        Console(width=150).print(table)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=LEADS, help="leads in all (1,000,000)")
    parser.add_argument("--agencies", type=int, default=AGENCIES)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args()
    LEADS, AGENCIES = args.leads, args.agencies
    DATABASES = tuple(args.db or DATABASES)
    main()
