"""``leadrouter import producers|licenses|territories|clients|sources FILE``."""

from __future__ import annotations

import typer
from rich.table import Table

from leadrouter.cli.context import (
    console,
    err_console,
    progress_bar,
    read_input,
    resolve_agency,
    session,
)
from leadrouter.errors import LeadRouterError
from leadrouter.roster.csv.columns import KINDS
from leadrouter.services.roster.csv_import import ImportReport, count_rows, import_csv

app = typer.Typer(
    help="Import the roster from CSV files (formats: docs/csv-formats.md). A file with bad "
    "rows imports nothing unless --skip-bad-rows. Exit status: 0 imported, 1 nothing imported, "
    "3 imported with bad rows skipped.",
    no_args_is_help=True,
)

EXIT_REJECTED = 1
EXIT_PARTIAL = 3


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
