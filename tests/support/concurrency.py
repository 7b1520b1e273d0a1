"""Send leads from several OS processes at once, through the real intake and routing."""

from __future__ import annotations

import multiprocessing
from datetime import datetime

from leadrouter.bootstrap import bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.services.leads.intake import receive_lead
from leadrouter.services.routing.route import after_intake


def send_leads(db_url: str, at: datetime, worker: int, count: int, agency_ids: list[int]) -> int:
    """Post ``count`` distinct leads, spread over the agencies; returns how many were created."""
    c = bootstrap(Settings(database_url=db_url), clock=FixedClock(at))
    hook = after_intake(c.routing)
    created = 0
    for i in range(count):
        n = worker * 100_000 + i
        result = receive_lead(
            uow=c.uow(),
            agency_id=agency_ids[i % len(agency_ids)],
            payload={
                "first_name": "Con",
                "last_name": f"Current{n}",
                "email": f"lead{n}@concurrency.example",
                "phone": f"(212) {200 + n // 10_000 % 700}-{n % 10_000:04d}",
                "zip": "10001",
                "insurance_type": "personal_auto",
            },
            idempotency_key=None,
            now=at,
            after_store=hook,
        )
        created += result.created
    c.engine.dispose()
    return created


def run_in_processes(
    db_url: str, at: datetime, *, processes: int, per_process: int, agency_ids: list[int]
) -> int:
    """Run ``send_leads`` in ``processes`` fresh interpreters at once; total leads created."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        results = pool.starmap(
            send_leads, [(db_url, at, w, per_process, agency_ids) for w in range(processes)]
        )
    return sum(results)
