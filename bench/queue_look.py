"""The worker's look at a queue of leads nobody may take, on SQLite and PostgreSQL.

An agency of 20 producers licensed nowhere the leads are (so every lead stays queued) and
1,000 or 10,000 queued leads, inserted in bulk. The worker looks at every agency's queue
every minute and whenever the roster changes (``services.routing.queue.look_at_queue``): it
routes each waiting lead read-only to learn whether someone may now take it, reading the
agency's side once and each page of 200 leads (their rows and their refusals) in one
statement each. Printed: the look's wall and CPU time (medians of RUNS) and its statements.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table
from tests.support.factories import lead_row

from bench.harness import QUICK, scratch_database
from bench.worker_tick import seed_roster
from leadrouter.bootstrap import bootstrap
from leadrouter.clock import SystemClock
from leadrouter.config import Settings
from leadrouter.services.routing.queue import look_at_queue
from leadrouter.store import routing_repo
from leadrouter.store.migrate import upgrade
from leadrouter.store.tables import leads, queue_entries

WAITING = (1_000,) if QUICK else (1_000, 10_000)
RUNS = 3 if QUICK else 5
CHUNK = 5000
REASON = "queued"  # restated by the first look to the reason true now


def _queue(conn: sa.Connection, agency_id: int, start: int, count: int, now: datetime) -> None:
    """``count`` queued Texas leads with their open queue entries."""
    for lo in range(start, start + count, CHUNK):
        hi = min(lo + CHUNK, start + count)
        rows = [
            lead_row(
                agency_id=agency_id,
                now=now - timedelta(minutes=1),
                status="queued",
                last_name=f"Lead{n}",
                email=f"lead{n}@bench.example",
                zip="75001",
                state="TX",
                county="Dallas County",
                city="Addison",
                timezone="America/Chicago",
            )
            for n in range(lo, hi)
        ]
        ids = conn.execute(leads.insert().returning(leads.c.id), rows).scalars().all()
        conn.execute(
            queue_entries.insert(),
            [
                {
                    "agency_id": agency_id,
                    "lead_id": lead_id,
                    "reason": REASON,
                    "priority": 0,
                    "queued_at": now,
                }
                for lead_id in ids
            ],
        )


def run(kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with scratch_database(kind) as url:
        upgrade(url)
        c = bootstrap(Settings(database_url=url))
        now = SystemClock().now()
        agency_id, _ = seed_roster(c, now)  # 50 producers, no license anywhere
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        queued = 0
        for waiting in WAITING:
            with c.engine.begin() as conn:
                _queue(conn, agency_id, queued, waiting - queued, now)
                if kind == "postgres":
                    conn.exec_driver_sql("ANALYZE")
            queued = waiting
            with c.uow() as uow:  # the reason true now, as the worker's first look leaves it
                first = look_at_queue(uow.conn, c.routing, agency_id=agency_id, now=now)
                routing_repo.restate_reasons(uow.conn, first.restated)
                uow.commit()
            walls, cpus = [], []
            for _ in range(RUNS):
                statements[0] = 0
                sa.event.listen(c.engine, "before_cursor_execute", count)
                wall, cpu = time.perf_counter(), time.process_time()
                with c.uow(readonly=True) as uow:
                    look = look_at_queue(uow.conn, c.routing, agency_id=agency_id, now=now)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                sa.event.remove(c.engine, "before_cursor_execute", count)
            assert look.ready == [] and look.restated == {}, "every lead stays as it waits"
            rows.append(
                {
                    "database": kind,
                    "waiting": waiting,
                    "wall_ms": 1000 * statistics.median(walls),
                    "cpu_ms": 1000 * statistics.median(cpus),
                    "statements": statements[0],
                }
            )
        c.engine.dispose()
    return rows


def main() -> None:
    table = Table(
        title=f"The worker's look at a queue nobody may take from (medians of {RUNS} looks)"
    )
    for col in ("database", "waiting leads", "wall ms", "CPU ms", "per lead ms", "statements"):
        table.add_column(col)
    for kind in ("sqlite", "postgres"):
        for r in run(kind):
            table.add_row(
                r["database"],
                f"{r['waiting']:,}",
                f"{r['wall_ms']:.0f}",
                f"{r['cpu_ms']:.0f}",
                f"{r['wall_ms'] / r['waiting']:.3f}",
                str(r["statements"]),
            )
    Console(width=160).print(table)
