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
import statistics
from collections.abc import Iterator
from typing import Any

import httpx

from bench.harness import QUICK, LoadResult, analyze, drive, medians, scratch_database, served
from bench.leads import lead_body
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.store.migrate import upgrade

REQUESTS = 200 if QUICK else 600
ROUNDS = 1 if QUICK else 5
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
    """Median figures per endpoint on one database.

    The rounds take turns: each round drives every endpoint once, one after another, so a
    drift of the machine (another process waking, the CPU's clock, the database growing)
    falls on all of them alike. An endpoint's share of the bare insert is the median of its
    share within each round, not a ratio of two medians taken minutes apart."""
    with database(kind) as url:
        c = bootstrap(Settings(database_url=url))
        agency = load_synthetic_agency(c, producers=PRODUCERS, states=("NY",), policy=None)
        c.engine.dispose()
        headers = {"Authorization": f"Bearer {agency.api_key}"}
        rng = random.Random(7)
        counter = iter(range(10**9))

        def batch(path: str, n: int) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
            return [("POST", path, lead_body(next(counter), rng), headers) for _ in range(n)]

        results: dict[str, list[LoadResult]] = {path: [] for _, path in ENDPOINTS}
        counted: dict[str, dict[str, float]] = {path: {} for _, path in ENDPOINTS}
        with served(url, "--count-statements") as base:
            for _, path in ENDPOINTS:  # warm up every path
                drive(base, batch(path, 100), concurrency=CONCURRENCY)
            if kind == "postgres":  # statistics, as the worker gathers them on a new database
                analyze(url)
            for _ in range(rounds):
                for _, path in ENDPOINTS:
                    before = httpx.get(base + "/bench/statements").json()
                    results[path].append(
                        drive(base, batch(path, requests), concurrency=CONCURRENCY)
                    )
                    after = httpx.get(base + "/bench/statements").json()
                    for key in ("statements", "round_trips"):
                        counted[path][key] = (after[key] - before[key]) / requests
        bare = results[ENDPOINTS[0][1]]
        rows = []
        for name, path in ENDPOINTS:
            taken = results[path]
            row: dict[str, Any] = {
                "database": kind,
                "endpoint": name,
                **medians(taken),
                "statements": counted[path]["statements"],
                "round_trips": counted[path]["round_trips"] if kind == "postgres" else None,
            }
            if path != ENDPOINTS[0][1]:
                shares = [r.rate / b.rate for r, b in zip(taken, bare, strict=True)]
                row["ratio"] = statistics.median(shares)
                row["ratio_range"] = (min(shares), max(shares))
            rows.append(row)
    return rows
