"""``make bench``: every benchmark, each printing a table of median figures."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

console = Console(width=160)


def intake() -> None:
    from bench import intake_http

    table = Table(
        title=(
            f"Intake over HTTP, {intake_http.PRODUCERS}-producer agency (medians of "
            f"{intake_http.ROUNDS} rounds x {intake_http.REQUESTS} requests, the endpoints in "
            f"turn each round, {intake_http.CONCURRENCY} concurrent clients; vs bare: the "
            "median of each round's share, with its lowest and highest; target >= 50%)"
        )
    )
    columns = ("database", "endpoint", "leads/s", "vs bare", "p50 ms", "p99 ms")
    for col in (*columns, "statements/req", "round trips/req", "outcomes"):
        table.add_column(col)
    for kind in ("sqlite", "postgres"):
        for r in intake_http.run(kind):
            ratio, trips = r.get("ratio"), r.get("round_trips")
            answers = {**{str(k): v for k, v in r["statuses"].items()}, **r["outcomes"]}
            table.add_row(
                r["database"],
                r["endpoint"],
                f"{r['leads_per_s']:.0f}",
                _share(ratio, r.get("ratio_range")),
                f"{r['p50_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                f"{r['statements']:.1f}",
                f"{trips:.1f}" if isinstance(trips, float) else "",
                ", ".join(f"{k} {v}" for k, v in answers.items()),
            )
    console.print(table)


def _share(ratio: object, spread: object) -> str:
    if not isinstance(ratio, float):
        return ""
    low, high = spread if isinstance(spread, tuple) else (ratio, ratio)
    return f"{ratio:.0%} ({low:.0%}-{high:.0%})"


def processes() -> None:
    from bench import processes as by_processes

    by_processes.main()


def routing() -> None:
    from bench import routing_decision

    routing_decision.main()


def worker() -> None:
    from bench import worker_tick

    worker_tick.main()


def queue() -> None:
    from bench import queue_look

    queue_look.main()


def abuse() -> None:
    from bench import form_rate

    form_rate.main()


def imports() -> None:
    from bench import import_load

    import_load.main()


def reports() -> None:
    from bench import report_queries

    report_queries.main()


def simulation() -> None:
    from bench import simulation as month

    month.main()


def replay() -> None:
    from bench import replay as offpolicy

    offpolicy.main()


def voice() -> None:
    from bench import voice_webhook

    voice_webhook.main()


def learning() -> None:
    from bench import learning as learning_bench

    learning_bench.main()


BENCHMARKS = {
    "intake": intake,
    "processes": processes,
    "routing": routing,
    "worker": worker,
    "queue": queue,
    "reports": reports,
    "simulation": simulation,
    "learning": learning,
    "replay": replay,
    "abuse": abuse,
    "imports": imports,
    "voice": voice,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="leadrouter benchmarks")
    parser.add_argument("names", nargs="*", help=f"which to run: {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    for name in args.names or BENCHMARKS:
        BENCHMARKS[name]()


if __name__ == "__main__":
    main()
