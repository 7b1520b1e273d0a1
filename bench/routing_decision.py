"""In-process routing decision time: 2,000 producers, 51 states, 8 lines of authority.

A synthetic agency (seeded, so every run sees the same roster and leads) is snapshotted
once; then ``route`` decides lead after lead, each timed with ``perf_counter_ns``. After a
warm-up, each run times DECISIONS decisions; the table shows the median over RUNS runs of
each run's p50 and p99, by the wall clock and by the thread's CPU time (on a busy machine the
wall clock also counts time the process waited for a CPU). Target: p99 <= 1 ms. The "cold" row
builds a fresh snapshot per run (as after a roster change) and times its first decisions, so
it includes the gate's first look at each state x insurance type. The last row has 10,000
producers (target p99 <= 1 ms), timed over fewer decisions to keep ``make bench`` short.

A second table: the size of the stored explanation (the audit record's JSON, as the column
holds it) at 2,000 producers, compact (excluded candidates by reason with their ids) beside
the full form that ``GET /v1/leads/{id}/decision`` expands it to. Target: <= 20 KB.
"""

from __future__ import annotations

import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from bench.harness import QUICK
from leadrouter.domain.compliance import US_STATES
from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.model import (
    BusinessLine,
    Client,
    Lead,
    LeadStatus,
    License,
    LicenseStatus,
    LineOfAuthority,
    Period,
    Producer,
    Shift,
    Territory,
)
from leadrouter.domain.routing import (
    ProducerLoad,
    RosterSnapshot,
    RoutingInput,
    RoutingPolicy,
    decision_document,
    route,
)
from leadrouter.policy.load import default_policy, parse_policy, to_routing_policy

PRODUCERS = 2000
STATES = sorted(US_STATES - {"PR", "VI", "GU", "AS", "MP"})  # the 50 states and DC
LINES = [str(line) for line in LineOfAuthority]
LARGE = 10_000
DECISIONS = 1000 if QUICK else 5000
LARGE_DECISIONS = 1000 if QUICK else 3000
WARMUP = 1000 if QUICK else 2000
RUNS = 3 if QUICK else 5  # the median run is a warm one (the first meets cold gates)
LARGE_RUNS = 3
NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday: 11:00 in New York
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]

SEGMENTED = """
name: segmented
routing:
  steps:
    - type: existing_client
    - type: segment
      name: big_commercial
      when: business_line == "commercial" and attributes.annual_revenue >= 2000000
      to: {teams: [pod-1, pod-2, pod-3]}
    - type: territory
    - type: line
      include_generalists: true
    - type: availability
    - type: caps
  strategy: weighted_score
  tiers:
    low: {action: nurture}
    high: {strategy: least_loaded}
"""


def synthetic_roster(rng: random.Random, producers_n: int = PRODUCERS) -> RosterSnapshot:
    """``producers_n`` producers, each licensed in a few of 51 states, with pods and territories."""
    producers: list[Producer] = []
    licenses: list[License] = []
    hours = tuple(Shift(d, time(8), time(18)) for d in range(5))
    for pid in range(1, producers_n + 1):
        away: tuple[Period, ...] = ()
        if rng.random() < 0.05:
            start = NOW - timedelta(days=rng.randint(0, 5))
            away = (Period(start, start + timedelta(days=rng.randint(1, 10))),)
        producers.append(
            Producer(
                id=pid,
                agency_id=1,
                name=f"Producer {pid}",
                email=f"p{pid}@example.com",
                timezone=rng.choice(ZONES),
                working_hours=hours if rng.random() < 0.9 else (),
                out_of_office=away,
                business_lines=frozenset(rng.sample([str(b) for b in BusinessLine], 2)),
                max_open=rng.choice([None, 20, 30, 40]),
                max_daily=rng.choice([None, 10, 15]),
                team=f"pod-{pid % 20}",
                weight=rng.randint(1, 3),
            )
        )
        for state in sorted({rng.choice(STATES) for _ in range(rng.randint(1, 7))}):
            lid = len(licenses) + 1
            licenses.append(
                License(
                    id=lid,
                    agency_id=1,
                    producer_id=pid,
                    state=state,
                    number=f"{state}{lid:07d}",
                    lines=frozenset(rng.sample(LINES, rng.randint(2, 5))),
                    resident=False,
                    effective_date=date(2024, 1, 1),
                    expiration_date=rng.choice([None, date(2027, 1, 1), date(2026, 2, 1)]),
                    status=LicenseStatus.ACTIVE if rng.random() < 0.97 else LicenseStatus.SUSPENDED,
                    verified_at=NOW if rng.random() < 0.95 else None,
                )
            )
    territories = [
        Territory(
            id=i + 1, agency_id=1, name=f"{s} pod", states=frozenset({s}), pod=f"pod-{i % 20}"
        )
        for i, s in enumerate(STATES)
    ] + [
        Territory(id=100 + i, agency_id=1, name=f"ZIP {p}xx", zip_prefixes=(p,), pod=f"pod-{i}")
        for i, p in enumerate(["100", "606", "900", "941", "331"])
    ]
    return RosterSnapshot.build(producers, licenses, territories)


def synthetic_inputs(
    rng: random.Random, n: int, producers_n: int = PRODUCERS
) -> list[RoutingInput]:
    """Leads across every state and insurance type, with loads and rotation counts."""
    loads = {
        pid: ProducerLoad(
            open_count=rng.randint(0, 35),
            new_today=rng.randint(0, 12),
            close_rate=rng.choice([None, rng.random() * 0.3]),
            avg_response_seconds=rng.choice([None, rng.uniform(30, 3600)]),
        )
        for pid in range(1, producers_n + 1)
    }
    rotation = {
        f"{name}:{kind}": {pid: rng.randint(0, 50) for pid in range(1, producers_n + 1, 3)}
        for name in ["all", "client"] + [f"territory {s} pod" for s in STATES]
        for kind in ("weighted_score", "least_loaded")
    }
    codes = sorted(DEFAULT_TYPES)
    out = []
    for i in range(n):
        code = rng.choice(codes)
        client = None
        if rng.random() < 0.1:
            client = Client(1, 1, "C", None, None, rng.randint(1, producers_n), None)
        lead = Lead(
            id=i,
            agency_id=1,
            status=LeadStatus.NEW,
            created_at=NOW,
            insurance_type=code,
            state=rng.choice(STATES),
            zip=f"{rng.randint(501, 99950):05d}",
            intent_tier=rng.choice([None, "high", "medium", "low"]),
            attributes={"annual_revenue": rng.randint(0, 5_000_000)},
        )
        out.append(
            RoutingInput(
                lead, DEFAULT_TYPES.get(code), client, loads, rotation, NOW, "America/New_York"
            )
        )
    return out


def _percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def _time(
    decide: Callable[[RoutingInput], Any], inputs: list[RoutingInput]
) -> tuple[list[int], list[int]]:
    """Wall-clock and CPU nanoseconds of each decision, each list sorted."""
    wall, cpu = [], []
    for inp in inputs:
        c0, t0 = clock.thread_time_ns(), clock.perf_counter_ns()
        decide(inp)
        wall.append(clock.perf_counter_ns() - t0)
        cpu.append(clock.thread_time_ns() - c0)
    return sorted(wall), sorted(cpu)


def _measure(
    name: str,
    policy: RoutingPolicy,
    *,
    cold: bool,
    producers: int = PRODUCERS,
    decisions: int = DECISIONS,
    runs: int = RUNS,
) -> dict[str, Any]:
    rng = random.Random(7)
    roster = synthetic_roster(rng, producers)
    inputs = synthetic_inputs(rng, WARMUP + decisions, producers)
    figures: dict[str, list[float]] = {"p50": [], "p99": [], "cpu_p50": [], "cpu_p99": []}
    for _ in range(runs):
        if cold:
            roster = RosterSnapshot.build(roster.producers, roster.licenses, roster.territories)
        else:
            for inp in inputs[:WARMUP]:
                route(roster, inp, policy)
        wall, cpu = _time(partial(route, roster, policy=policy), inputs[WARMUP:])
        figures["p50"].append(_percentile(wall, 0.50))
        figures["p99"].append(_percentile(wall, 0.99))
        figures["cpu_p50"].append(_percentile(cpu, 0.50))
        figures["cpu_p99"].append(_percentile(cpu, 0.99))
    outcomes = {"assigned": 0, "queued": 0, "nurture": 0, "by fallback": 0}
    for inp in inputs[WARMUP:]:
        decision = route(roster, inp, policy)
        outcomes[decision.outcome] += 1
        outcomes["by fallback"] += decision.fallback
    return {
        "policy": name,
        "producers": producers,
        "states": len(STATES),
        "lines": len(LINES),
        "decisions": decisions,
        "runs": runs,
        **{f"{k}_us": statistics.median(v) for k, v in figures.items()},
        "outcomes": outcomes,
    }


def run() -> list[dict[str, Any]]:
    """Time routing decisions for the default and a segmented policy; one row each."""
    default = to_routing_policy(default_policy())
    segmented = to_routing_policy(parse_policy(SEGMENTED))
    large = {"producers": LARGE, "decisions": LARGE_DECISIONS, "runs": LARGE_RUNS}
    return [
        _measure("default", default, cold=False),
        _measure("segmented + tiers", segmented, cold=False),
        _measure("default, cold snapshot", default, cold=True),
        _measure("default", default, cold=False, **large),
    ]


def explanation_sizes(decisions: int = 2000) -> list[dict[str, Any]]:
    """Bytes of the stored explanation at PRODUCERS producers: compact and expanded."""
    import json

    rng = random.Random(7)
    roster = synthetic_roster(rng, PRODUCERS)
    policy = to_routing_policy(default_policy())
    compact: list[int] = []
    full: list[int] = []
    for inp in synthetic_inputs(rng, decisions, PRODUCERS):
        decision = route(roster, inp, policy)
        compact.append(len(json.dumps(decision_document(decision))))
        full.append(len(json.dumps(decision_document(decision, compact=False))))
    rows = []
    for form, sizes in (("stored (compact)", compact), ("expanded on reading", full)):
        sizes.sort()
        rows.append(
            {
                "form": form,
                "p50": sizes[len(sizes) // 2],
                "p99": sizes[min(len(sizes) - 1, int(0.99 * len(sizes)))],
                "max": sizes[-1],
                "decisions": decisions,
            }
        )
    return rows


def main() -> None:
    """Print the table: wall-clock and CPU time per decision (CPU time ignores other load)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Routing decision in process: median of {RUNS} runs x {DECISIONS:,} decisions; "
        f"{LARGE:,} producers: {LARGE_RUNS} x {LARGE_DECISIONS:,} (target p99 <= 1 ms)"
    )
    columns = (
        "policy",
        "producers",
        "states",
        "lines",
        "decisions",
        "p50",
        "p99",
        "CPU p50",
        "CPU p99",
        "outcomes",
    )
    for col in columns:
        table.add_column(col)
    for row in run():
        table.add_row(
            row["policy"],
            f"{row['producers']:,}",
            str(row["states"]),
            str(row["lines"]),
            f"{row['decisions']:,}",
            f"{row['p50_us'] / 1000:.3f} ms",
            f"{row['p99_us'] / 1000:.3f} ms",
            f"{row['cpu_p50_us'] / 1000:.3f} ms",
            f"{row['cpu_p99_us'] / 1000:.3f} ms",
            ", ".join(f"{k} {v}" for k, v in row["outcomes"].items()),
        )
    Console(width=160).print(table)
    sizes = Table(
        title=f"Stored decision explanation at {PRODUCERS:,} producers, default policy, "
        "bytes of JSON (target <= 20 KB)"
    )
    for col in ("form", "decisions", "p50", "p99", "max"):
        sizes.add_column(col)
    for row in explanation_sizes():
        sizes.add_row(
            row["form"],
            f"{row['decisions']:,}",
            *(f"{row[k] / 1000:.1f} KB" for k in ("p50", "p99", "max")),
        )
    Console(width=160).print(sizes)


if __name__ == "__main__":
    main()
