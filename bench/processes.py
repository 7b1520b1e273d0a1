"""``POST /v1/leads`` on PostgreSQL with 1, 2 and 4 server processes, in one run.

The same 50-producer agency and lead bodies as the intake benchmark, served by
``bench.server --workers N`` (``leadrouter.serving``: several uvicorn processes sharing a
listening socket bound as a TCP socket, so accepted connections get TCP_NODELAY). A last row
serves 2 processes from a socket bound the way uvicorn binds it: without TCP_NODELAY each
keep-alive response waits for the client's delayed ACK. Throughput is the median of ROUNDS
rounds of REQUESTS requests from CLIENTS concurrent keep-alive clients.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from bench.harness import QUICK, LoadResult, drive, median_of, served
from bench.intake_http import PRODUCERS, database
from bench.leads import lead_body
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.sim.agency import load_synthetic_agency

PROCESSES = (1, 2, 4)
REQUESTS = 200 if QUICK else 800
ROUNDS = 1 if QUICK else 3
CLIENTS = 8


def run() -> list[dict[str, Any]]:
    """One row per server configuration; ``ratio`` is throughput against one process."""
    rows: list[dict[str, Any]] = []
    with database("postgres") as url:
        c = bootstrap(Settings(database_url=url))
        agency = load_synthetic_agency(c, producers=PRODUCERS, states=("NY",), policy=None)
        c.engine.dispose()
        headers = {"Authorization": f"Bearer {agency.api_key}"}
        rng = random.Random(11)
        counter = iter(range(10**9))

        def batch(n: int) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
            return [("POST", "/v1/leads", lead_body(next(counter), rng), headers) for _ in range(n)]

        configs = [(n, True) for n in PROCESSES] + [(2, False)]
        for processes, nodelay in configs:
            options = ["--workers", str(processes)] + ([] if nodelay else ["--uvicorn-socket"])
            with served(url, *options) as base:
                once: Callable[[], LoadResult] = lambda: drive(  # noqa: E731
                    base, batch(REQUESTS), concurrency=CLIENTS
                )
                drive(base, batch(100), concurrency=CLIENTS)  # warm up every process
                rate, p50, p99, last = median_of(ROUNDS, once)
            rows.append(
                {
                    "processes": processes,
                    "socket": "TCP_NODELAY" if nodelay else "uvicorn's (Nagle on)",
                    "leads_per_s": rate,
                    "p50_ms": p50,
                    "p99_ms": p99,
                    "outcomes": dict(last.outcomes),
                }
            )
    one = rows[0]["leads_per_s"]
    for row in rows:
        row["ratio"] = row["leads_per_s"] / one
    return rows


def main() -> None:
    """Print the table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=(
            f"POST /v1/leads on PostgreSQL by server processes (medians of {ROUNDS} rounds x "
            f"{REQUESTS} requests, {CLIENTS} concurrent clients; target: 2 processes >= 1.6x one)"
        )
    )
    for col in ("processes", "listening socket", "leads/s", "vs 1 process", "p50 ms", "p99 ms"):
        table.add_column(col)
    rows = run()
    for r in rows:
        table.add_row(
            str(r["processes"]),
            r["socket"],
            f"{r['leads_per_s']:.0f}",
            f"{r['ratio']:.2f}x",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
        )
    Console(width=160).print(table)
    outcomes = ", ".join(f"{k} {v}" for k, v in rows[0]["outcomes"].items())
    Console(width=160).print(f"lead outcomes in the last round of 1 process: {outcomes}")
