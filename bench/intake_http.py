"""Intake over HTTP: leads/s and p50/p99, beside a bare one-row insert on the same stack.

Three endpoints in the same uvicorn process, with the same authentication and database:
a bare one-row insert (the floor), the lead intake alone (validation, normalization,
enrichment, dedupe, client match, bookkeeping rows), and ``POST /v1/leads`` as it runs in
production (intake plus routing: license gate, policy, claim, audit record, outbox), against
a 50-producer agency. Run on SQLite and on PostgreSQL. The server counts the statements
(and on PostgreSQL the round trips) its engine sends per request, authentication included
(``bench.server.StatementCounter``).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import httpx

from bench.harness import QUICK, LoadResult, drive, median_of, scratch_database, served
from bench.leads import lead_body
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.store.migrate import upgrade

REQUESTS = 200 if QUICK else 1000
ROUNDS = 1 if QUICK else 3
CONCURRENCY = 4
PRODUCERS = 50
ENDPOINTS = (
    ("bare one-row insert", "/bench/bare"),
    ("lead intake alone", "/bench/intake-only"),
    ("POST /v1/leads (intake + routing)", "/v1/leads"),
)


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, migrated database of ``kind`` (sqlite or postgres)."""
    with scratch_database(kind) as url:
        upgrade(url)
        yield url


def run(kind: str, requests: int = REQUESTS, rounds: int = ROUNDS) -> list[dict[str, Any]]:
    """Median figures per endpoint on one database."""
    with database(kind) as url:
        c = bootstrap(Settings(database_url=url))
        agency = load_synthetic_agency(c, producers=PRODUCERS, states=("NY",), policy=None)
        c.engine.dispose()
        headers = {"Authorization": f"Bearer {agency.api_key}"}
        rng = random.Random(7)
        counter = iter(range(10**9))

        def batch(path: str, n: int) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
            return [("POST", path, lead_body(next(counter), rng), headers) for _ in range(n)]

        rows = []
        with served(url, "--count-statements") as base:
            for _, path in ENDPOINTS:  # warm up every path
                drive(base, batch(path, 100), concurrency=CONCURRENCY)
            for name, path in ENDPOINTS:
                counted: dict[str, float] = {}

                def once(path: str = path, counted: dict[str, float] = counted) -> LoadResult:
                    before = httpx.get(base + "/bench/statements").json()
                    result = drive(base, batch(path, requests), concurrency=CONCURRENCY)
                    after = httpx.get(base + "/bench/statements").json()
                    for key in ("statements", "round_trips"):
                        counted[key] = (after[key] - before[key]) / requests
                    return result

                rate, p50, p99, last = median_of(rounds, once)
                rows.append(
                    {
                        "database": kind,
                        "endpoint": name,
                        "leads_per_s": rate,
                        "p50_ms": p50,
                        "p99_ms": p99,
                        "statuses": dict(last.statuses),
                        "outcomes": dict(last.outcomes),
                        "statements": counted["statements"],
                        "round_trips": counted["round_trips"] if kind == "postgres" else None,
                    }
                )
    bare = rows[0]["leads_per_s"]
    for row in rows[1:]:
        row["ratio"] = row["leads_per_s"] / bare
    return rows
