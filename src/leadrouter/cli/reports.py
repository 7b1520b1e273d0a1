"""``leadrouter report ...`` and ``leadrouter export leads``: reports and the AMS hand-off."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from leadrouter.cli.context import (
    AGENCY_HELP,
    console,
    err_console,
    exit_on_error,
    resolve_agency,
    session,
)

report_app = typer.Typer(help="Reports: monthly, producer statistics, source ROI.")
export_app = typer.Typer(help="Exports for other systems (an AMS import).")


class Format(StrEnum):
    HTML = "html"
    CSV = "csv"
    PDF = "pdf"
    JSON = "json"


def _write(data: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    if isinstance(data, bytes):
        out.write_bytes(data)
    else:
        out.write_text(data, encoding="utf-8")
    err_console.print(f"wrote {out}")


@report_app.command("monthly")
def monthly(
    month: str = typer.Option(..., "--month", help="The month, e.g. 2026-10 (agency time)."),
    fmt: Format = typer.Option(Format.HTML, "--format", help="html, csv, pdf or json."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
) -> None:
    """The monthly report: volume, speed, distribution, conversion, cost, producers ranked."""
    from leadrouter.render import monthly as render
    from leadrouter.services.reports import documents, periods
    from leadrouter.services.reports.monthly import monthly_report

    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(2):
            first = periods.parse_month(month)
            report = monthly_report(
                uow=c.uow(readonly=True), agency_id=agency_id, now=c.clock.now(), month=first
            )
    data: str | bytes
    if fmt == Format.PDF:
        if out is None and sys.stdout.isatty():
            err_console.print("[red]a PDF needs --out FILE (or a redirect)[/red]")
            raise typer.Exit(2)
        data = render.monthly_pdf(report)
    elif fmt == Format.CSV:
        data = render.monthly_csv(report)
    elif fmt == Format.JSON:
        data = json.dumps(documents.monthly_document(report), indent=2) + "\n"
    else:
        data = render.monthly_html(report)
    _write(data, out)


@report_app.command("rebuild-rollups")
def rebuild_rollups(
    agency: int | None = typer.Option(
        None, "--agency", help="Only this agency (default: every agency)."
    ),
) -> None:
    """Recompute the daily rollups from the leads (after a bulk load or a time-zone change)."""
    from leadrouter.services.reports.rollups import rebuild_rollups as rebuild

    with session() as c:
        done = rebuild(uow=c.uow(), agency_id=agency)
    console.print(f"rebuilt the daily rollups: {done.rows} rows")


@report_app.command("producers")
def producers(
    days: int = typer.Option(90, help="The trailing window, in days."),
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
) -> None:
    """Producer statistics over the trailing window, as JSON."""
    from leadrouter.services.reports import documents
    from leadrouter.services.reports.producer_stats import producer_stats

    with session() as c:
        agency_id = resolve_agency(c, agency)
        stats = producer_stats(
            uow=c.uow(readonly=True), agency_id=agency_id, now=c.clock.now(), days=days
        )
    console.print_json(json.dumps(documents.stats_document(stats)))


@report_app.command("sources")
def sources(
    from_month: str | None = typer.Option(None, "--from", help="First month, e.g. 2026-01."),
    to_month: str | None = typer.Option(None, "--to", help="Last month, e.g. 2026-10."),
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
) -> None:
    """Source ROI per source and month, as JSON."""
    from leadrouter.services.reports import documents, periods
    from leadrouter.services.reports.source_roi import source_roi

    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(2):
            rows = source_roi(
                uow=c.uow(readonly=True),
                agency_id=agency_id,
                now=c.clock.now(),
                first=periods.parse_month(from_month, field="from") if from_month else None,
                last=periods.parse_month(to_month, field="to") if to_month else None,
            )
    console.print_json(json.dumps({"items": [documents.source_month_document(r) for r in rows]}))


@export_app.command("leads")
def export_leads(
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    received_from: str | None = typer.Option(None, "--from", help="Received on or after."),
    received_to: str | None = typer.Option(None, "--to", help="Received on or before."),
    status: list[str] = typer.Option([], "--status", help="Only these statuses (repeatable)."),
    source: str | None = typer.Option(None, "--source", help="Only this lead source."),
    producer: int | None = typer.Option(None, "--producer", help="Only this producer's leads."),
    agency: int | None = typer.Option(None, "--agency", help=AGENCY_HELP),
) -> None:
    """Leads as CSV for an AMS import (HawkSoft-style columns), formulas neutralised."""
    from leadrouter.domain.model import LeadStatus
    from leadrouter.render.ams import export_csv_chunks
    from leadrouter.services.reports.export import ExportFilter, export_rows

    unknown = sorted(set(status) - {s.value for s in LeadStatus})
    if unknown:
        known = ", ".join(s.value for s in LeadStatus)
        err_console.print(f"[red]--status {', '.join(unknown)}: not one of {known}[/red]")
        raise typer.Exit(2)
    try:
        filters = ExportFilter(
            received_from=date.fromisoformat(received_from) if received_from else None,
            received_to=date.fromisoformat(received_to) if received_to else None,
            statuses=tuple(status),
            source=source,
            producer_id=producer,
        )
    except ValueError as exc:
        err_console.print(f"[red]--from/--to must be dates like 2026-10-01: {exc}[/red]")
        raise typer.Exit(2) from None
    with session() as c:
        agency_id = resolve_agency(c, agency)
        rows = export_rows(
            uow=c.uow(readonly=True), agency_id=agency_id, filters=filters, now=c.clock.now()
        )
        stream = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout  # noqa: SIM115
        try:
            for chunk in export_csv_chunks(rows):
                stream.write(chunk)
        finally:
            if out:
                stream.close()
    if out:
        err_console.print(f"wrote {out}")
