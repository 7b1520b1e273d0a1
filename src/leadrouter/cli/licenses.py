"""``leadrouter licenses ...``: registry reconciliation, the coverage forecast, the sweep."""

from __future__ import annotations

import getpass

import typer
from rich.table import Table

from leadrouter.cli.context import (
    AGENCY_HELP,
    console,
    err_console,
    progress_bar,
    read_input,
    resolve_agency,
    session,
)
from leadrouter.compliance.differences import UNREADABLE
from leadrouter.compliance.registry_report import detect_format
from leadrouter.errors import LeadRouterError
from leadrouter.roster.csv.table import count_rows
from leadrouter.services.compliance import reconciliation
from leadrouter.services.compliance.coverage import coverage_report
from leadrouter.services.compliance.expirations import sweep
from leadrouter.services.compliance.reconciliation import ReconciliationReport

app = typer.Typer(
    help="License compliance: reconcile with a registry report, forecast coverage gaps, "
    "send expiration alerts (formats: docs/compliance.md).",
    no_args_is_help=True,
)
_AGENCY = typer.Option(None, "--agency", help=AGENCY_HELP)
EXIT_REFUSED = 1
EXIT_UNREADABLE = 4  # read, but some records were not: the roster may still be wrong


def _who(given: str | None) -> str:
    if given:
        return given
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def differences_table(report: ReconciliationReport) -> Table:
    """The run's differences, one row each, with whether apply fixed it."""
    table = Table(title=f"reconciliation #{report.id}: {report.count()} difference(s)")
    for name in ("kind", "NPN", "license", "difference", "applied"):
        table.add_column(name)
    for d in report.differences:
        license_ = f"{d['state']} {d['number']}" if d["state"] else "-"
        mark = "yes" if d["applied"] else ("no" if d["fixable"] else "cannot")
        table.add_row(d["kind"], d["npn"] or "-", license_, d["message"], mark)
    return table


@app.command("reconcile")
def reconcile(
    file: str = typer.Argument(..., help="The registry report, CSV or XML ('-': stdin)."),
    apply: bool = typer.Option(
        False,
        "--apply",
        help="Apply the differences; without it, only list them (the run is kept either way).",
    ),
    agency: int | None = _AGENCY,
    by: str | None = typer.Option(
        None, "--by", help="Who applies it, for the audit history (default: your user name)."
    ),
    fmt: str | None = typer.Option(None, "--format", help="csv or xml (default: guessed)."),
) -> None:
    """List every difference between a registry report and the roster; fix them with --apply."""
    data, name = read_input(file)
    with session() as c:
        agency_id = resolve_agency(c, agency)
        fmt = fmt or detect_format(data, file_name=name)
        total = count_rows(data) if fmt == "csv" else data.lower().count(b"<license")
        try:
            with progress_bar() as progress:
                task = progress.add_task("reading the report", total=total or None)
                report = reconciliation.reconcile(
                    uow=c.uow(),
                    agency_id=agency_id,
                    file_name=name,
                    data=data,
                    apply=apply,
                    actor=_who(by),
                    now=c.clock.now(),
                    format=fmt,
                    caches=c.routing,
                    progress=lambda n: progress.advance(task, n),
                )
        except LeadRouterError as exc:
            err_console.print(f"[red]{exc.title}: {exc.detail}[/red]")
            raise typer.Exit(EXIT_REFUSED) from None
        if report.differences:
            console.print(differences_table(report))
        verb = "applied" if apply else "found (dry run; --apply to fix)"
        console.print(
            f"reconciliation #{report.id} of {name} (sha256 {report.file_digest}): "
            f"{report.count()} difference(s), {report.count(applied=True)} applied; "
            f"{verb}"
        )
        if report.assigned_leads:
            console.print("queued leads assigned: " + ", ".join(map(str, report.assigned_leads)))
        unreadable = report.count(UNREADABLE)
        if unreadable:
            err_console.print(
                f"[red]{unreadable} record(s) of the report could not be read: the "
                "reconciliation is incomplete[/red]"
            )
            raise typer.Exit(EXIT_UNREADABLE)


@app.command("history")
def history(agency: int | None = _AGENCY) -> None:
    """Every reconciliation of the agency: when, which file, what changed, who applied it."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        table = Table(title="reconciliations")
        for name in ("#", "when (UTC)", "file", "sha256", "differences", "applied by"):
            table.add_column(name)
        cursor = None
        while True:
            page = reconciliation.list_reconciliations(
                uow=c.uow(readonly=True), agency_id=agency_id, cursor=cursor
            )
            for r in page.items:
                table.add_row(
                    str(r.id),
                    r.created_at.strftime("%Y-%m-%d %H:%M"),
                    r.file_name,
                    r.file_digest[:16],
                    f"{r.count()} ({r.count(applied=True)} applied)",
                    r.applied_by or "(dry run)",
                )
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        console.print(table)


@app.command("coverage")
def coverage(
    agency: int | None = _AGENCY,
    minimum: int = typer.Option(1, min=1, help="Fewer licensed producers than this is a gap."),
) -> None:
    """Licensed producers per state and line now and in 30, 60, 90 days (exit 3 on a gap)."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        rows = coverage_report(
            uow=c.uow(readonly=True), agency_id=agency_id, now=c.clock.now(), minimum=minimum
        )
        table = Table(title=f"coverage (gap: fewer than {minimum})")
        for name in ("state", "line", "now", "30 days", "60 days", "90 days", "dropping out"):
            table.add_column(name)
        for row in rows:
            cells = [
                f"[red]{h.producers}[/red]" if h.days in row.gaps else str(h.producers)
                for h in row.counts
            ]
            leaving = ", ".join(f"{e.producer_name} ({e.expiration_date})" for e in row.expiring)
            table.add_row(row.state, row.label, *cells, leaving or "-")
        console.print(table)
        if any(row.gaps for row in rows):
            raise typer.Exit(3)


@app.command("sweep")
def sweep_now(agency: int | None = _AGENCY) -> None:
    """Send the expiration alerts and handle the lapses due now (the worker does this too)."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        result = sweep(uow=c.uow(), agency_id=agency_id, now=c.clock.now())
        for a in result.alerts:
            console.print(
                f"license {a.license_id} ({a.state}) expires {a.expiration_date}: "
                f"{a.days_before}-day alert sent"
            )
        for lapse in result.lapses:
            flagged = ", ".join(map(str, lapse.flagged_leads)) or "none"
            console.print(
                f"license {lapse.license_id} ({lapse.state}) lapsed "
                f"{lapse.expiration_date}; open leads flagged: {flagged}"
            )
        if not (result.alerts or result.lapses):
            console.print("nothing due")
