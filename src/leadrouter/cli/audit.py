"""``leadrouter audit ...``: the tamper-evident decision log and its signed checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leadrouter.cli.context import AGENCY_HELP, console, err_console, resolve_agency, session
from leadrouter.services.admin import audit
from leadrouter.services.routing import decisions
from leadrouter.store.audit import BrokenLink

app = typer.Typer(help="The hash-chained decision log.", no_args_is_help=True)


@app.command("verify")
def verify(
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
    against: Path | None = typer.Option(
        None,
        "--against",
        help="A checkpoint file from 'audit checkpoint --out': also detects a deleted tail "
        "and a recomputed chain.",
    ),
) -> None:
    """Walk the decision chain; report the first broken link (exit 1) or that it is intact."""
    checkpoints = _read(against) if against is not None else []
    with session() as c:
        agency_id = resolve_agency(c, agency)
        count, broken = decisions.verify(uow=c.uow(readonly=True), agency_id=agency_id)
        problem: BrokenLink | str | None = broken
        if problem is None and checkpoints:
            problem = audit.verify_against(
                uow=c.uow(readonly=True), agency_id=agency_id, checkpoints=checkpoints
            )
    checked = len(checkpoints)
    if problem is None:
        against_text = f", agrees with {checked} checkpoint(s)" if against else ""
        console.print(f"intact: {count} decisions, every link verified{against_text}")
        return
    if isinstance(problem, BrokenLink):
        err_console.print(
            f"[red]broken at record {problem.seq} (decision id {problem.decision_id}): "
            f"{problem.problem}[/red]"
        )
    else:
        err_console.print(f"[red]tampered: {problem}[/red]")
    raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint(
    out: Path = typer.Option(..., "--out", help="Append the signed checkpoint to this file."),
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
) -> None:
    """Sign the chain's head and append it to a file kept away from the database."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        taken = audit.issue_checkpoint(uow=c.uow(), agency_id=agency_id, now=c.clock.now())
    kept = [cp.document() for cp in _read(out)] if out.exists() else []
    out.write_text(json.dumps([*kept, taken.document()], indent=2) + "\n", encoding="utf-8")
    console.print(
        f"checkpoint: record {taken.head_seq} of {taken.count}, hash {taken.head_hash[:16]}..."
        f" written to {out}"
    )


def _read(path: Path) -> list[audit.Checkpoint]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else [data]
        return [audit.Checkpoint(**item) for item in items]
    except (OSError, ValueError, TypeError) as e:
        err_console.print(f"[red]cannot read checkpoints from {path}: {e}[/red]")
        raise typer.Exit(2) from None
