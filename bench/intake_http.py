"""Intake over HTTP on SQLite: leads/s and p50/p99, beside a bare one-row insert endpoint.

Both endpoints run in the same uvicorn process, with the same authentication, against the same
SQLite file; the ratio is the cost of validation, normalization, enrichment, dedupe, client
matching and the lead's bookkeeping rows. Target: intake at >= 50 % of the bare rate.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from bench.harness import LoadResult, drive, median_of, served
from bench.leads import lead_body
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.services.agencies import create_agency
from leadrouter.store.migrate import upgrade

REQUESTS = 1500
ROUNDS = 5
CONCURRENCY = 4


def run(requests: int = REQUESTS, rounds: int = ROUNDS) -> list[dict[str, object]]:
    """Measure both endpoints; one row per endpoint with median figures over the rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        c = bootstrap(Settings(database_url=url))
        agency = create_agency(uow=c.uow(), name="Bench", now=c.clock.now())
        c.engine.dispose()
        headers = {"Authorization": f"Bearer {agency.api_key}"}
        rng = random.Random(7)
        counter = iter(range(10**9))

        with served(url) as base:
            warm = [("POST", "/v1/leads", lead_body(next(counter), rng), headers)
                    for _ in range(200)]
            drive(base, warm, concurrency=CONCURRENCY)
            drive(base, [("POST", "/bench/bare", {"i": i}, headers) for i in range(200)],
                  concurrency=CONCURRENCY)

            def bare() -> LoadResult:
                reqs = [("POST", "/bench/bare", lead_body(next(counter), rng), headers)
                        for _ in range(requests)]
                return drive(base, reqs, concurrency=CONCURRENCY)

            def intake() -> LoadResult:
                reqs = [("POST", "/v1/leads", lead_body(next(counter), rng), headers)
                        for _ in range(requests)]
                return drive(base, reqs, concurrency=CONCURRENCY)

            bare_fig = median_of(rounds, bare)
            intake_fig = median_of(rounds, intake)

    rows = []
    for name, (rate, p50, p99, last) in (("bare insert", bare_fig), ("lead intake", intake_fig)):
        rows.append({
            "endpoint": name, "leads_per_s": rate, "p50_ms": p50, "p99_ms": p99,
            "statuses": dict(last.statuses),
        })
    rows[1]["ratio"] = intake_fig[0] / bare_fig[0]
    return rows
