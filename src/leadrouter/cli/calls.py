"""``leadrouter calls simulate``: the call paths of a demo agency, played and checked."""

from __future__ import annotations

import typer
from rich.table import Table

from leadrouter.cli.context import console, err_console

app = typer.Typer(help="Live calls: inbound calls and live transfers.", no_args_is_help=True)


@app.command()
def simulate() -> None:
    """Play calls from covered, uncovered and unknown states against the voice hooks,
    checking every TwiML answer; exits 1 when any answer breaks the call path's rules."""
    from leadrouter.sim.call_demo import ROSTER, run_demo
    from leadrouter.sim.calls import CallPathError

    try:
        played = run_demo()
    except CallPathError as exc:
        err_console.print(f"call path broken: {exc}")
        raise typer.Exit(1) from exc
    names = {phone: name for name, phone, *_ in ROSTER}
    table = Table(title="call paths (every TwiML answer checked)")
    for column in ("call", "asked ZIP", "dialed", "outcome"):
        table.add_column(column)
    for call in played:
        dialed = ", ".join(names.get(p, p) for p in call.trace.dialed) or "-"
        outcome = call.trace.outcome
        if call.trace.bridged_to:
            outcome += f" to {names.get(call.trace.bridged_to, call.trace.bridged_to)}"
        table.add_row(call.label, str(call.trace.asked_zip), dialed, outcome)
    console.print(table)
