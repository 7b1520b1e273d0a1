"""The worker's tick with many open leads and 1,000 timer steps due, on SQLite and PostgreSQL.

Open assignments are bulk-inserted with ``next_due_at`` in the future; 1,000 of them are then
made due at once (each with one step due: the 5-minute alert to the producer). Each run
re-arms those 1,000 rows and, on the wall clock:

* timer step: ``timers.run_due`` alone, and the lag of each step from the instant it fell due
  to the commit of the batch that carried it out (the tick starts at that instant; a worker
  polling every ``--interval`` seconds adds up to one interval);
* tick: a whole ``Worker.tick`` (queue draining, the timer step, one outbox dispatch of 50
  messages through channels that deliver instantly).

The same 1,000 due with 10,000 and with 100,000 open leads: the tick's cost follows what is
due, not what is open (the timer step reads ``next_due_at <= now`` through its index). A last
row per database adds one webhook endpoint taking ``lead.escalated`` (a webhook per step).
Medians of RUNS runs.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from tests.support.factories import lead_row

from bench.harness import scratch_database
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import SystemClock
from leadrouter.config import Settings
from leadrouter.notify.channel import OutboundMessage
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.webhook_endpoints import create_endpoint
from leadrouter.services.timers.step import TimerRun, run_due
from leadrouter.store.migrate import upgrade
from leadrouter.store.tables import assignments, leads, outbox, producers
from leadrouter.worker import Worker

DUE = 1000
OPEN = (10_000, 100_000)
RUNS = 5
PRODUCERS = 50
CHUNK = 5000
# The steps of the first five minutes, but for the producer's alert: one step due per row.
ARMED = ["cad:email_consumer:5m", "cad:notify_producer:0m", "cad:sms_consumer:5m"]


@dataclass(frozen=True)
class Row:
    database: str
    open_leads: int
    due: int
    timer_ms: float
    tick_ms: float
    lag_p50_ms: float
    lag_max_ms: float


class _Instant:
    """A channel that delivers at once (the benchmark measures leadrouter, not a provider)."""

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        return f"bench {message.id}"


def seed_roster(c: Container, now: datetime) -> tuple[int, list[int]]:
    """A new agency of PRODUCERS producers licensed nowhere; its id and theirs."""
    agency_id = create_agency(uow=c.uow(), name="Bench Agency", now=now).agency_id
    with c.uow() as uow:
        ids = [
            int(
                uow.conn.execute(
                    producers.insert()
                    .values(
                        agency_id=agency_id,
                        name=f"Producer {n}",
                        email=f"p{n}@bench.example",
                        phone=f"+1212555{n:04d}",
                        timezone="America/New_York",
                        working_hours=[],
                        out_of_office=[],
                        business_lines=["personal"],
                        role="producer",
                        active=True,
                        created_at=now,
                    )
                    .returning(producers.c.id)
                ).scalar_one()
            )
            for n in range(PRODUCERS)
        ]
        uow.commit()
    return agency_id, ids


def _add_open(
    c: Container,
    agency_id: int,
    owners: list[int],
    count: int,
    start: int,
    now: datetime,
    rng: random.Random,
) -> list[int]:
    """``count`` assigned leads with open assignments due later (1 minute to 2 days)."""
    ids: list[int] = []
    for lo in range(start, start + count, CHUNK):
        hi = min(lo + CHUNK, start + count)
        began = now - timedelta(minutes=1)
        lead_rows = [
            lead_row(
                agency_id=agency_id,
                now=began,
                status="assigned",
                first_name="Bench",
                last_name=f"Lead{n}",
                email=f"lead{n}@bench.example",
                phone=f"+1646{n:07d}",
                county="New York",
                owner_id=owners[n % len(owners)],
                first_assigned_at=began,
            )
            for n in range(lo, hi)
        ]
        with c.uow() as uow:
            last = uow.conn.execute(sa.select(sa.func.max(leads.c.id))).scalar() or 0
            uow.conn.execute(leads.insert(), lead_rows)
            new = list(
                uow.conn.execute(
                    sa.select(leads.c.id, leads.c.owner_id)
                    .where(leads.c.id > last)
                    .order_by(leads.c.id)
                ).all()
            )
            uow.conn.execute(
                assignments.insert(),
                [
                    {
                        "agency_id": agency_id,
                        "lead_id": r.id,
                        "producer_id": r.owner_id,
                        "kind": "route",
                        "state": "active",
                        "started_at": began,
                        "done_steps": ["cad:notify_producer:0m"],
                        "next_due_at": now + timedelta(minutes=rng.randrange(1, 2880)),
                    }
                    for r in new
                ],
            )
            uow.commit()
        ids += [r.id for r in new]
    return ids


def _arm(c: Container, lead_ids: list[int], now: datetime) -> None:
    """Make the chosen leads' 5-minute alert due now, and empty the outbox."""
    with c.uow() as uow:
        uow.conn.execute(outbox.delete())
        uow.conn.execute(
            assignments.update()
            .where(assignments.c.lead_id.in_(lead_ids))
            .values(started_at=now - timedelta(minutes=5), done_steps=ARMED, next_due_at=now)
        )
        uow.conn.execute(
            leads.update()
            .where(leads.c.id.in_(lead_ids))
            .values(first_assigned_at=now - timedelta(minutes=5))
        )
        uow.commit()


def _timer_run(c: Container, due_ids: list[int]) -> tuple[float, list[float]]:
    """Timer step time and the lag of each step, in milliseconds."""
    now = SystemClock().now()
    _arm(c, due_ids, now)
    lags: list[float] = []
    done = 0
    due_at = time.perf_counter() - (SystemClock().now() - now).total_seconds()
    started = time.perf_counter()

    def batch(run: TimerRun) -> None:
        nonlocal done
        lags.extend([(time.perf_counter() - due_at) * 1000] * (run.actions - done))
        done = run.actions

    result = run_due(new_uow=c.uow, caches=c.routing, now=now, on_batch=batch)
    assert result.actions == len(due_ids) and result.failed == 0, result
    return (time.perf_counter() - started) * 1000, lags


def _tick(c: Container, worker: Worker, due_ids: list[int]) -> float:
    _arm(c, due_ids, SystemClock().now())
    started = time.perf_counter()
    stats = worker.tick()
    assert stats.timer_actions == len(due_ids), stats
    return (time.perf_counter() - started) * 1000


def _measure(name: str, c: Container, worker: Worker, open_leads: int, due_ids: list[int]) -> Row:
    timers, ticks, lags_p50, lags_max = [], [], [], []
    for _ in range(RUNS):
        ms, lags = _timer_run(c, due_ids)
        timers.append(ms)
        lags_p50.append(statistics.median(lags))
        lags_max.append(max(lags))
        ticks.append(_tick(c, worker, due_ids))
    return Row(
        name,
        open_leads,
        len(due_ids),
        statistics.median(timers),
        statistics.median(ticks),
        statistics.median(lags_p50),
        statistics.median(lags_max),
    )


def run() -> list[Row]:
    """Every row of the table: each database, each number of open leads."""
    rows: list[Row] = []
    for name, kind in (("SQLite", "sqlite"), ("PostgreSQL", "postgres")):
        with scratch_database(kind, "bench_worker_tick") as url:
            rows += _run_on(name, url)
    return rows


def _run_on(name: str, url: str) -> list[Row]:
    upgrade(url)
    c = bootstrap(Settings(database_url=url))
    rng = random.Random(7)
    now = SystemClock().now()
    agency_id, owners = seed_roster(c, now)
    worker = Worker(
        c, {ch: _Instant() for ch in ("email", "sms", "webhook", "inapp")}, rng=random.Random(1)
    )
    rows, opened = [], 0
    due_ids: list[int] = []
    for target in OPEN:
        ids = _add_open(c, agency_id, owners, target - opened, opened, now, rng)
        opened = target
        due_ids = due_ids or rng.sample(ids, DUE)
        worker.tick()  # warm caches (policy, roster) as a running worker has them
        rows.append(_measure(name, c, worker, opened, due_ids))
    # The same again with one endpoint taking lead.escalated: each step also queues a webhook.
    create_endpoint(
        uow=c.uow(),
        sealer=c.sealer,
        agency_id=agency_id,
        url="https://crm.example/hooks",
        events=["lead.escalated"],
        now=now,
    )
    rows.append(_measure(f"{name} + webhook", c, worker, opened, due_ids))
    c.engine.dispose()
    return rows


def table_rows(rows: list[Row]) -> list[list[Any]]:
    return [
        [
            r.database,
            f"{r.open_leads:,}",
            f"{r.due:,}",
            f"{r.timer_ms:.0f}",
            f"{r.tick_ms:.0f}",
            f"{r.lag_p50_ms:.0f}",
            f"{r.lag_max_ms:.0f}",
        ]
        for r in rows
    ]


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Worker tick with {DUE:,} timer steps due (medians of {RUNS} runs; "
        "lag = due to committed, target <= 1000 ms)"
    )
    for col in (
        "database",
        "open leads",
        "due",
        "timer step ms",
        "whole tick ms",
        "lag p50 ms",
        "lag max ms",
    ):
        table.add_column(col)
    for cells in table_rows(run()):
        table.add_row(*cells)
    Console().print(table)
