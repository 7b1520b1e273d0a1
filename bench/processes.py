"""``POST /v1/leads`` on PostgreSQL with 1, 2 and 4 server processes, in one run.

Two loads. Every lead to one agency (the issue's target): decisions of one agency take turns
under its routing lock, so more processes help only as far as the time under that lock
shrinks. Leads spread round robin over four agencies, as a server of many agencies sees
them: their decisions do not wait on each other. Each agency is a 50-producer agency with
the intake benchmark's lead bodies, served by
``bench.server --workers N`` (``leadrouter.serving``: several uvicorn processes on one port,
on Linux each listening on a TCP socket of its own, so the kernel spreads the clients over
them and accepted connections get TCP_NODELAY). The servers of 1, 2 and 4 processes run side
by side and each round drives them in turn, so a drift of the machine's speed (here up to 1.5x
within minutes) falls on all of them alike: a row's share of one process is the median of its
share within each round, printed with the lowest and highest.
A last row serves 2 processes from one socket they share, bound the way uvicorn binds it:
without TCP_NODELAY each keep-alive response waits for the client's delayed ACK (one round:
the gap is tens of milliseconds per response, not noise), and the first process to wake takes
most of the clients.
Each row also gives the CPU time per lead of the server processes, of PostgreSQL and of this
load driver (``bench.cpu``): they share the machine's cores, so the cores divided by their sum
is the most any number of server processes could serve here.
Throughput is the median of ROUNDS rounds of REQUESTS requests from CLIENTS concurrent
keep-alive clients; the whole run stays near five minutes.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import time
from typing import Any

from bench import cpu
from bench.harness import QUICK, LoadResult, analyze, drive, medians, served
from bench.intake_http import PRODUCERS, database
from bench.leads import lead_body
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.serving import spreads_connections
from leadrouter.sim.agency import load_synthetic_agency

PROCESSES = (1, 2, 4)
SPREAD = 4  # agencies of the spread load
REQUESTS = 200 if QUICK else 400
ROUNDS = 1 if QUICK else 3
WARM_UP = 100
CLIENTS = 8
# How ``leadrouter serve`` listens (``leadrouter.serving``).
OURS = "TCP_NODELAY, one per process" if spreads_connections() else "TCP_NODELAY, shared"


def run() -> list[dict[str, Any]]:
    """One row per load and server configuration; ``ratio`` is throughput against one
    process on the same load."""
    rows: list[dict[str, Any]] = []
    with database("postgres") as url:
        c = bootstrap(Settings(database_url=url))
        keys = [
            load_synthetic_agency(
                c, producers=PRODUCERS, states=("NY",), policy=None, name=f"Agency {i}", seed=i
            ).api_key
            for i in range(1, SPREAD + 1)
        ]
        c.engine.dispose()
        rng = random.Random(11)
        counter = iter(range(10**9))

        def batch(n: int, agencies: int) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
            out = []
            for _ in range(n):
                i = next(counter)
                headers = {"Authorization": f"Bearer {keys[i % agencies]}"}
                out.append(("POST", "/v1/leads", lead_body(i, rng), headers))
            return out

        def once(base: str, agencies: int) -> tuple[LoadResult, cpu.CpuSeconds]:
            before = cpu.sample(base, url)
            result = drive(base, batch(REQUESTS, agencies), concurrency=CLIENTS)
            return result, cpu.sample(base, url) - before

        def summary(
            agencies: int,
            processes: int,
            socket: str,
            taken: list[LoadResult],
            spent: list[cpu.CpuSeconds],
        ) -> dict[str, Any]:
            return {
                "agencies": agencies,
                "processes": processes,
                "socket": socket,
                **medians(taken),
                "cpu_ms": {
                    part: 1000 * statistics.median(getattr(c, part) for c in spent) / REQUESTS
                    for part in ("server", "database", "client")
                },
                "rates": [r.rate for r in taken],
            }

        with contextlib.ExitStack() as servers:
            bases = {
                n: servers.enter_context(
                    served(url, "--workers", str(n), listeners=n if spreads_connections() else 1)
                )
                for n in PROCESSES
            }
            for base in bases.values():
                drive(base, batch(WARM_UP, SPREAD), concurrency=CLIENTS)  # every process
            analyze(url)  # the first rows measured as well planned as the rest
            for agencies in (1, SPREAD):
                taken: dict[int, list[LoadResult]] = {n: [] for n in PROCESSES}
                spent: dict[int, list[cpu.CpuSeconds]] = {n: [] for n in PROCESSES}
                for _ in range(ROUNDS):  # in turns: a drift of the machine falls on all alike
                    for n, base in bases.items():
                        result, used = once(base, agencies)
                        taken[n].append(result)
                        spent[n].append(used)
                rows += [summary(agencies, n, OURS, taken[n], spent[n]) for n in PROCESSES]
        with served(url, "--workers", "2", "--uvicorn-socket") as base:
            drive(base, batch(WARM_UP, 1), concurrency=CLIENTS)
            result, used = once(base, 1)
            rows.append(summary(1, 2, "one shared, uvicorn's (Nagle on)", [result], [used]))
    rows.sort(key=lambda r: (r["agencies"], r["socket"] != OURS, r["processes"]))
    for row in rows:
        one = next(r for r in rows if r["agencies"] == row["agencies"] and r["processes"] == 1)
        # Against one process in the same round (the median of those shares, and their range);
        # a row of one round only (the shared socket) against the median of one process.
        pairs = (
            zip(row["rates"], one["rates"], strict=True)
            if len(row["rates"]) == len(one["rates"])
            else [(row["leads_per_s"], one["leads_per_s"])]
        )
        shares = [mine / theirs for mine, theirs in pairs]
        row["ratio"] = statistics.median(shares)
        row["ratio_range"] = (min(shares), max(shares))
        # Every core busy: the most this machine could serve at this CPU time per lead.
        row["ceiling"] = 1000 * cpu.cores() / sum(row["cpu_ms"].values())
        row["ceiling_ratio"] = row["ceiling"] / one["leads_per_s"]
    return rows


def main() -> None:
    """Print the table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=(
            f"POST /v1/leads on PostgreSQL by server processes (medians of {ROUNDS} rounds x "
            f"{REQUESTS} requests, {CLIENTS} concurrent clients; target: 2 processes >= 1.6x one "
            "with every lead to one agency)"
        )
    )
    columns = ("leads go to", "processes", "listening socket", "leads/s", "vs 1 process")
    cpu_columns = ("CPU ms/lead: server", "PostgreSQL", "client", "all cores busy: leads/s")
    for col in (*columns, "p50 ms", "p99 ms", *cpu_columns):
        table.add_column(col)
    started = time.monotonic()
    rows = run()
    table.caption = (
        f"whole run {time.monotonic() - started:.0f} s; {cpu.cores()} cores. The last column is "
        "the cores divided by the CPU time server, PostgreSQL and this load driver spend per "
        "lead: no number of processes can go past it on this machine (x: against 1 process)"
    )
    for r in rows:
        table.add_row(
            "one agency" if r["agencies"] == 1 else f"{r['agencies']} agencies, round robin",
            str(r["processes"]),
            r["socket"],
            f"{r['leads_per_s']:.0f}",
            _against_one(r),
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['cpu_ms']['server']:.1f}",
            f"{r['cpu_ms']['database']:.1f}",
            f"{r['cpu_ms']['client']:.1f}",
            f"{r['ceiling']:.0f} ({r['ceiling_ratio']:.2f}x)",
        )
    Console(width=160).print(table)
    outcomes = ", ".join(f"{k} {v}" for k, v in rows[0]["outcomes"].items())
    Console(width=160).print(f"lead outcomes in the last round of 1 process: {outcomes}")


def _against_one(row: dict[str, Any]) -> str:
    low, high = row["ratio_range"]
    if row["processes"] == 1 or low == high:
        return f"{row['ratio']:.2f}x"
    return f"{row['ratio']:.2f}x ({low:.2f}-{high:.2f})"
