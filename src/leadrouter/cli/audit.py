"""``leadrouter audit ...``: the tamper-evident decision log."""

from __future__ import annotations

import typer

from leadrouter.cli.context import AGENCY_HELP, console, container, err_console, resolve_agency
from leadrouter.services.routing import decisions

app = typer.Typer(help="The hash-chained decision log.", no_args_is_help=True)


@app.command("verify")
def verify(agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP)) -> None:
    """Walk the decision chain; report the first broken link (exit 1) or that it is intact."""
    c = container()
    agency_id = resolve_agency(c, agency)
    count, broken = decisions.verify(uow=c.uow(readonly=True), agency_id=agency_id)
    if broken is None:
        console.print(f"intact: {count} decisions, every link verified")
        return
    err_console.print(
        f"[red]broken at record {broken.seq} (decision id {broken.decision_id}): "
        f"{broken.problem}[/red]"
    )
    raise typer.Exit(1)
