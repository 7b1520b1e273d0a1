"""``leadrouter policy ...``: lint, dry-run, show and apply routing policy documents."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from leadrouter.cli.context import AGENCY_HELP, console, container, err_console, resolve_agency
from leadrouter.domain.routing import render
from leadrouter.errors import ValidationFailed
from leadrouter.policy.load import dump_policy
from leadrouter.services.admin import policy

app = typer.Typer(help="Routing policy documents (YAML or JSON).", no_args_is_help=True)
_AGENCY = typer.Option(None, "--agency", help=AGENCY_HELP)


def _read(file: Path) -> tuple[str, str | None]:
    fmt = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(file.suffix.lower())
    return file.read_text(encoding="utf-8"), fmt


def _refused(exc: ValidationFailed) -> typer.Exit:
    err_console.print("[red]the document is not valid:[/red]")
    for e in exc.errors or []:
        err_console.print(f"  {e.field}: {e.reason}")
    if not exc.errors:
        err_console.print(f"  {exc.detail}")
    return typer.Exit(2)


@app.command("lint")
def lint(file: Path, agency: int | None = _AGENCY) -> None:
    """Validate a document and lint it against the agency's roster (exit 1 on errors)."""
    c = container()
    agency_id = resolve_agency(c, agency)
    text, fmt = _read(file)
    try:
        findings = policy.lint(
            uow=c.uow(readonly=True),
            caches=c.routing,
            agency_id=agency_id,
            text=text,
            fmt=fmt,
            now=c.clock.now(),
        )
    except ValidationFailed as exc:
        raise _refused(exc) from None
    if not findings:
        console.print("no findings")
        return
    table = Table(title=f"{len(findings)} finding(s)")
    for col in ("severity", "where", "finding"):
        table.add_column(col)
    for f in findings:
        table.add_row(f.severity, f.path, f.message)
    console.print(table)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@app.command("dry-run")
def dry_run(
    file: Path,
    lead: str = typer.Option(..., "--lead", help="The lead as JSON (as POST /v1/leads takes)."),
    agency: int | None = _AGENCY,
    at: str | None = typer.Option(
        None,
        "--at",
        help="When to route it, ISO 8601 with an offset (default: now), "
        "e.g. 2026-11-24T10:30-05:00 to see a weekday morning.",
    ),
) -> None:
    """Show where a lead would go under a document (now, or --at); writes nothing."""
    c = container()
    agency_id = resolve_agency(c, agency)
    text, fmt = _read(file)
    try:
        payload = json.loads(lead)
    except json.JSONDecodeError as exc:
        err_console.print(f"[red]--lead is not JSON: {exc}[/red]")
        raise typer.Exit(2) from None
    when = _instant(at) if at else None
    try:
        decision = policy.dry_run(
            uow=c.uow(readonly=True),
            caches=c.routing,
            agency_id=agency_id,
            lead_payload=payload,
            text=text,
            fmt=fmt,
            now=when or c.clock.now(),
        )
    except ValidationFailed as exc:
        raise _refused(exc) from None
    console.print(render(decision), markup=False, highlight=False)


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        err_console.print(f"[red]--at {text!r} is not an ISO 8601 time with an offset[/red]")
        raise typer.Exit(2)
    return at


@app.command("show")
def show(agency: int | None = _AGENCY) -> None:
    """Print the document in force."""
    c = container()
    doc = policy.current_policy(
        uow=c.uow(readonly=True), caches=c.routing, agency_id=resolve_agency(c, agency)
    )
    console.print(dump_policy(doc), markup=False, highlight=False)


@app.command("apply")
def apply(file: Path, agency: int | None = _AGENCY) -> None:
    """Store a document as the agency's next version; it applies to the next decision."""
    c = container()
    agency_id = resolve_agency(c, agency)
    text, fmt = _read(file)
    try:
        doc = policy.put_policy(
            uow=c.uow(),
            agency_id=agency_id,
            text=text,
            fmt=fmt,
            actor="cli",
            now=c.clock.now(),
        )
    except ValidationFailed as exc:
        raise _refused(exc) from None
    console.print(f"policy version {doc.version} is in force")
