"""``leadrouter replay``: a candidate policy against the agency's own history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadrouter.cli.context import AGENCY_HELP, console, container, resolve_agency


def replay(
    policy: Annotated[Path, typer.Option("--policy", help="The candidate policy (YAML or JSON).")],
    since: Annotated[str, typer.Option("--since", help="First day to replay, YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option("--until", help="Day after the last to replay, YYYY-MM-DD.")
    ] = None,
    agency: Annotated[int | None, typer.Option("--agency", help=AGENCY_HELP)] = None,
    seed: Annotated[int, typer.Option(help="Seeds the optimizer and the bootstrap.")] = 0,
) -> None:
    """Who would have got what under POLICY, and its binds estimated off-policy."""
    from leadrouter.services.learning.replay import replay_policy

    c = container()
    agency_id = resolve_agency(c, agency)
    start = datetime.combine(date.fromisoformat(since), time(0), tzinfo=UTC)
    report = replay_policy(
        uow=c.uow(readonly=True),
        caches=c.routing,
        now=c.clock.now(),
        agency_id=agency_id,
        text=policy.read_text(encoding="utf-8"),
        since=start,
        until=None
        if until is None
        else datetime.combine(date.fromisoformat(until), time(0), tzinfo=UTC),
        seed=seed,
    )
    c.engine.dispose()
    logged_gini, replay_gini = report.gini
    summary = Table(title=f"Replay of {policy.name} on {report.decisions} decisions since {since}")
    summary.add_column("measure")
    summary.add_column("as logged", justify="right")
    summary.add_column("candidate", justify="right")
    summary.add_row("leads to a different producer", "", str(report.changed))
    summary.add_row("queued (nobody eligible)", "", str(report.queued))
    summary.add_row("license gate refusals", "0", str(report.gate_refusals))
    summary.add_row("Gini of leads per producer", f"{logged_gini:.3f}", f"{replay_gini:.3f}")
    summary.add_row(
        "avg response of chosen producers (s)",
        _fmt(report.logged_response),
        _fmt(report.replay_response),
    )
    summary.add_row("binds", str(report.bound), "")
    for e in report.estimates:
        value, low, high = e.total
        mark = " (clamped)" if e.clamped else ""
        summary.add_row(
            f"binds, {e.name} (95% CI)", "", f"{value:.1f} [{low:.1f}, {high:.1f}]{mark}"
        )
    console.print(summary)
    who = Table(title="Leads per producer")
    who.add_column("producer", justify="right")
    who.add_column("as logged", justify="right")
    who.add_column("candidate", justify="right")
    for pid in sorted(set(report.logged_counts) | set(report.replay_counts)):
        who.add_row(str(pid), str(report.logged_counts[pid]), str(report.replay_counts[pid]))
    console.print(who)


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.0f}"
