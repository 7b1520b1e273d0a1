"""``leadrouter learn evaluate|intent|model``: intent scoring and the propensity model."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from leadrouter.cli.context import (
    AGENCY_HELP,
    console,
    exit_on_error,
    progress_bar,
    resolve_agency,
    session,
)

app = typer.Typer(
    help="Learn from outcomes: intent rubric, propensity model.", no_args_is_help=True
)


@app.command("evaluate")
def evaluate(
    data: Path = typer.Option(..., "--data", help="A CSV in X Education's lead-scoring layout."),
    chart: Path | None = typer.Option(None, "--chart", help="Write an SVG chart here."),
) -> None:
    """Fit rubric and model on ~70% of the file; print AUC, Brier and tiers on the other 30%."""
    from leadrouter.learning import evaluate as ev

    with exit_on_error(1), progress_bar() as bar:
        task = bar.add_task("evaluating", total=ev.STEPS)
        started: list[str] = []

        def step(what: str) -> None:
            # a step starting is the one before it done
            bar.update(task, description=what, completed=len(started))
            started.append(what)

        result = ev.evaluate(data, step=step)
        bar.update(task, description="done", completed=ev.STEPS)
    console.print(
        f"held-out part: {result.held_out_leads} leads ({result.held_out_rate:.1%} converted); "
        f"trained on {result.train_leads}"
    )
    table = Table("scorer", "ROC AUC", "Brier", "low", "medium", "high", "rises")
    for s in result.scorers:
        cells = [f"{t.conversion:.1%} ({t.share:.0%})" for t in s.tiers]
        table.add_row(
            s.name, f"{s.auc:.4f}", f"{s.brier:.4f}", *cells, "yes" if s.tiers_rise else "NO"
        )
    console.print(table)
    console.print("tier cells: conversion rate (share of held-out leads)")
    if chart is not None:
        from leadrouter.learning.chart import svg

        chart.write_text(svg(result), encoding="utf-8")
        console.print(f"chart written to {chart}")


@app.command("intent")
def learn_intent(agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP)) -> None:
    """Refit the intent rubric's weights and cut-points from bound and lost leads."""
    from leadrouter.services.learning.models import learn_intent as fit

    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(1), console.status("fitting the rubric"):
            result = fit(uow=c.uow(), agency_id=agency_id, now=c.clock.now())
    rubric, metrics = result["rubric"], result["metrics"]
    table = Table("feature", "points")
    for name, points in rubric["weights"].items():
        table.add_row(name, f"{points:g}")
    console.print(table)
    console.print(
        f"rubric version {result['version']}: high at {rubric['high_at']:g} points, "
        f"medium at {rubric['medium_at']:g}; fitted on {metrics['leads']} leads "
        f"({metrics['conversion_rate']:.1%} bound); AUC {metrics['auc']} "
        f"(the rubric before: {metrics['auc_before']}); {result['rescored']} open lead(s) "
        "rescored"
    )


@app.command("model")
def learn_model(agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP)) -> None:
    """Train the propensity model on bound and lost leads; store it as a new version."""
    from leadrouter.services.learning.models import learn_model as train

    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(1), console.status("training the propensity model"):
            result = train(uow=c.uow(), agency_id=agency_id, now=c.clock.now())
    m = result["metrics"]
    console.print(
        f"model version {result['version']}: {m['leads']} leads ({m['conversion_rate']:.1%} "
        f"bound); held out {m['held_out']}: AUC {m['auc']}, Brier {m['brier']}"
    )


@app.command("monitor")
def monitor(
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
    threshold: float = typer.Option(
        0.10, min=0.01, max=1.0, help="Alert at this gap from the pool (0.10 = ten points)."
    ),
    min_leads: int = typer.Option(10, min=1, help="Fewer leads in the week is not drift."),
    weeks: int = typer.Option(4, min=1, max=52, help="Weeks of rates to print."),
    proposal: Path | None = typer.Option(
        None, "--proposal", help="Write the proposed policy (YAML) here, to replay it."
    ),
) -> None:
    """Weekly contact, quote and close rates per producer x tier; alert on drift, propose."""
    from leadrouter.policy.load import dump_policy
    from leadrouter.services.learning.monitor import rebalance

    with session() as c:
        agency_id = resolve_agency(c, agency)
        found = rebalance(
            uow=c.uow(),
            caches=c.routing,
            agency_id=agency_id,
            now=c.clock.now(),
            threshold=threshold,
            min_leads=min_leads,
            weeks=weeks,
        )
    table = Table("week from", "producer", "tier", "leads", "contact", "quote", "close")
    for week in found.weeks:
        for (pid, tier), counts in sorted(week.cells.items()):
            rates = [counts.rate(m) for m in ("contact_rate", "quote_rate", "close_rate")]
            cells = ["—" if r is None else f"{r:.0%}" for r in rates]
            table.add_row(f"{week.since:%Y-%m-%d}", str(pid), tier, str(counts.leads), *cells)
    console.print(table)
    for d in found.drifts:
        console.print(
            f"drift: producer {d.producer_id} {d.tier} {d.metric.replace('_', ' ')} "
            f"{d.producer_rate:.0%} vs pool {d.pool_rate:.0%} ({d.leads} leads)"
        )
    for p in found.proposals:
        console.print(
            f"proposal: producer {p.producer_id} weight in {p.tier} tier "
            f"{p.current_weight:g} → {p.proposed_weight:g}"
        )
    if not found.drifts:
        console.print(f"no producer drifts {threshold:.0%} or more from the pool")
    console.print(f"{found.alerts} alert(s) for the managers")
    if proposal is not None and found.policy is not None:
        proposal.write_text(dump_policy(found.policy), encoding="utf-8")
        console.print(f"proposed policy written to {proposal}; replay it before applying")
