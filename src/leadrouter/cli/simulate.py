"""``leadrouter simulate``: every strategy on the same synthetic month, against the oracle."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from leadrouter.cli.context import console, err_console


def simulate(
    seed: Annotated[int, typer.Option(help="Everything follows from the seed.")] = 1,
    days: Annotated[int, typer.Option(min=1, max=366)] = 30,
    producers: Annotated[int, typer.Option(min=2, max=500)] = 20,
    chart: Annotated[
        Path | None, typer.Option(help="Write cumulative binds by strategy as an SVG here.")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="memory: the routing engine with the store in memory (fast); database: the "
            "services, a SQLite file and the worker (the whole stack, minutes per strategy)."
        ),
    ] = "memory",
) -> None:
    """Round robin, territory, weighted score and the optimizer on one synthetic agency's
    month, and the hindsight oracle (an LP with the true probabilities)."""
    from leadrouter.sim.compare import compare
    from leadrouter.sim.report import chart_svg, table
    from leadrouter.sim.roster import POLICIES
    from leadrouter.sim.scenario import make_scenario

    if engine not in ("memory", "database"):
        raise typer.BadParameter("engine is memory or database")
    t0, cpu = time.perf_counter(), time.process_time()
    scenario = make_scenario(seed=seed, days=days, producers=producers)
    with Progress(
        TextColumn("{task.description:<15}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks = {name: bar.add_task(name, total=len(scenario.leads)) for name in POLICIES}
        rows, outcomes = compare(
            scenario, engine=engine, progress=lambda name, n: bar.advance(tasks[name], n)
        )
    Console(width=max(console.width, 130)).print(table(rows, scenario))
    if chart is not None:
        chart.write_text(chart_svg(scenario, outcomes), encoding="utf-8")
        console.print(f"chart: {chart}")
    err_console.print(
        f"ran in {time.perf_counter() - t0:.1f} s ({time.process_time() - cpu:.1f} s of CPU)"
    )
