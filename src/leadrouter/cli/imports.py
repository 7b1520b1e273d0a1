"""``leadrouter import producers|licenses|territories|clients|sources FILE``."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.table import Table

from leadrouter.bootstrap import Container
from leadrouter.cli.context import (
    console,
    err_console,
    exit_on_error,
    progress_bar,
    read_input,
    resolve_agency,
    session,
)
from leadrouter.errors import LeadRouterError
from leadrouter.import_runner import run_job
from leadrouter.roster.csv.columns import KINDS
from leadrouter.services.roster.csv_import import ImportReport, count_rows, import_csv
from leadrouter.services.roster.import_jobs import (
    ImportJob,
    get_import_job,
    start_import_job,
    stranded_import_jobs,
)

app = typer.Typer(
    help="Import the roster from CSV files (formats: docs/csv-formats.md). A file with bad "
    "rows imports nothing unless --skip-bad-rows. A file of more rows than one chunk "
    "(LEADROUTER_IMPORT_CHUNK_ROWS) runs as a job, written chunk by chunk; `import status` "
    "shows a job, `import resume` finishes one whose process died. Exit status: 0 imported, "
    "1 nothing imported, 3 imported with bad rows skipped, 4 a job stopped part way.",
    no_args_is_help=True,
)

EXIT_REJECTED = 1
EXIT_PARTIAL = 3
EXIT_STOPPED = 4


def _errors_table(report: ImportReport) -> Table:
    table = Table(title=f"{len(report.errors)} problem(s) in the {report.kind} file")
    table.add_column("line", justify="right")
    table.add_column("column")
    table.add_column("reason")
    for error in report.errors:
        table.add_row(str(error.line), error.column or "-", error.reason)
    return table


def run_import(
    kind: str, file: str, agency: int | None, skip_bad_rows: bool, verified_by: str | None
) -> None:
    """Import one CSV file with a progress bar, then report row by row what was wrong."""
    data, _ = read_input(file)
    with session() as c:
        agency_id = resolve_agency(c, agency, exit_code=EXIT_REJECTED)
        if count_rows(data) > c.settings.import_chunk_rows:
            job, owner = start_import_job(
                uow=c.uow(),
                agency_id=agency_id,
                kind=kind,
                data=data,
                now=c.clock.now(),
                lease=timedelta(seconds=c.settings.import_lease_seconds),
                skip_bad_rows=skip_bad_rows,
                verified_by=verified_by,
            )
            console.print(f"import job {job.id}: {job.rows_total} rows, written in chunks")
            _follow(c, job, owner)
            return
        try:
            with progress_bar() as progress:
                task = progress.add_task(f"importing {kind}", total=count_rows(data))
                report = import_csv(
                    uow=c.uow(),
                    agency_id=agency_id,
                    kind=kind,
                    data=data,
                    now=c.clock.now(),
                    skip_bad_rows=skip_bad_rows,
                    verified_by=verified_by,
                    progress=lambda n: progress.advance(task, n),
                )
        except LeadRouterError as exc:
            err_console.print(f"[red]{exc.title}: {exc.detail}[/red]")
            raise typer.Exit(EXIT_REJECTED) from None
    _print_report(kind, report)


def _follow(c: Container, job: ImportJob, owner: str | None) -> None:
    """Run a job here with a progress bar, then report it like a one-shot import."""
    with progress_bar() as progress:
        task = progress.add_task(f"importing {job.kind}", total=job.rows_total)
        progress.advance(task, job.rows_done)
        run_job(c, job.id, owner, progress=lambda n: progress.advance(task, n))
    done = get_import_job(uow=c.uow(readonly=True), agency_id=job.agency_id, job_id=job.id)
    if done.state == "failed":
        err_console.print(f"[red]import job {done.id} failed: {done.failure}[/red]")
        raise typer.Exit(EXIT_STOPPED)
    if not done.finished:
        err_console.print(
            f"[red]import job {done.id} is held by another process ({done.state}, "
            f"{done.rows_done} of {done.rows_total} rows); see `leadrouter import status`[/red]"
        )
        raise typer.Exit(EXIT_STOPPED)
    _print_report(done.kind, done.report())


def _print_report(kind: str, report: ImportReport) -> None:
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}")
    if report.errors:
        console.print(_errors_table(report))
    if not report.committed:
        err_console.print(
            f"[red]nothing imported: {len(report.errors)} problem(s); fix them "
            "or pass --skip-bad-rows[/red]"
        )
        raise typer.Exit(EXIT_REJECTED)
    console.print(
        f"{kind}: {report.created} created, {report.updated} updated, "
        f"{report.skipped} bad row(s) skipped"
    )
    if report.skipped:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("status")
def status(
    job_id: int = typer.Argument(..., help="The import job's id."),
    agency: int | None = typer.Option(None, "--agency", help="The agency's id."),
) -> None:
    """Where an import job stands."""
    with session() as c:
        agency_id = resolve_agency(c, agency, exit_code=EXIT_REJECTED)
        with exit_on_error(EXIT_REJECTED):
            job = get_import_job(uow=c.uow(readonly=True), agency_id=agency_id, job_id=job_id)
    console.print(
        f"import job {job.id} ({job.kind}): {job.state}, {job.rows_done} of {job.rows_total} "
        f"rows; {job.created} created, {job.updated} updated, {job.error_count} error(s)"
    )
    if job.failure:
        console.print(job.failure)


@app.command("resume")
def resume() -> None:
    """Finish the import jobs whose process died (their claim has run out), here and now."""
    with session() as c:
        found = stranded_import_jobs(uow=c.uow(readonly=True), now=c.clock.now())
        if not found:
            console.print("no import job is waiting to be resumed")
            return
        for job_id in found:
            job = get_import_job(uow=c.uow(readonly=True), agency_id=None, job_id=job_id)
            console.print(f"resuming import job {job.id} at row {job.rows_done + 1}")
            _follow(c, job, None)


_FILE = typer.Argument(..., help="The CSV file ('-' reads standard input).")
_AGENCY = typer.Option(None, "--agency", help="The agency's id (needed when there are several).")
_SKIP = typer.Option(False, "--skip-bad-rows", help="Import the good rows even if some are bad.")


def _command(kind: str) -> None:
    def command(
        file: str = _FILE, agency: int | None = _AGENCY, skip_bad_rows: bool = _SKIP
    ) -> None:
        run_import(kind, file, agency, skip_bad_rows, None)

    command.__doc__ = f"Import {kind} from a CSV file, all or nothing."
    app.command(kind)(command)


for _kind in KINDS:
    if _kind != "licenses":
        _command(_kind)


@app.command("licenses")
def import_licenses(
    file: str = _FILE,
    agency: int | None = _AGENCY,
    skip_bad_rows: bool = _SKIP,
    verified_by: str | None = typer.Option(
        None,
        "--verified-by",
        help="Record the licenses as verified by this name (a compliance officer or a "
        "registry); without it they stay pending and grant nothing until verified.",
    ),
) -> None:
    """Import licenses from a CSV file, all or nothing."""
    run_import("licenses", file, agency, skip_bad_rows, verified_by)
