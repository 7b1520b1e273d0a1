"""The monthly report as HTML (the page and the PDF's source), CSV and PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from leadrouter.render.charts import bar_chart
from leadrouter.render.formats import dollars, minutes, pct
from leadrouter.render.spreadsheet import safe_cell
from leadrouter.services.reports.documents import money
from leadrouter.services.reports.monthly import MonthlyReport

FORMATS = ("html", "csv", "pdf")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("leadrouter.render", "templates"),
        autoescape=select_autoescape(("html",)),
        keep_trailing_newline=True,
    )


def monthly_html(
    report: MonthlyReport, *, timezone: str = "", links: Sequence[tuple[str, str]] = ()
) -> str:
    """The report as one self-contained HTML page (styles and charts inline); ``links``
    (address, text) lead back into the app from the page, never printed."""
    t = report.total
    charts = {
        "by_source": bar_chart(
            [(s.source, s.figures.leads) for s in report.by_source], title="Leads by source"
        ),
        "speed": bar_chart(report.response_buckets, title="Leads by first response time"),
        "by_producer": bar_chart(
            [(g.key, g.figures.leads) for g in report.by_producer], title="Leads per producer"
        ),
        "funnel": bar_chart(
            [
                ("Leads", t.leads),
                ("Contacted", t.contacted),
                ("Quoted", t.quoted),
                ("Bound", t.bound),
            ],
            title="Funnel: lead, contact, quote, bind",
        ),
    }
    template = _environment().get_template("monthly.html")
    return template.render(
        r=report,
        t=t,
        charts=charts,
        tz=timezone,
        links=links,
        pct=pct,
        minutes=minutes,
        dollars=dollars,
    )


def monthly_pdf(report: MonthlyReport, *, timezone: str = "") -> bytes:
    """The HTML page printed to PDF by WeasyPrint (pango from the system)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=monthly_html(report, timezone=timezone)).write_pdf()
    return pdf


def monthly_csv(report: MonthlyReport) -> str:
    """One figure a row (section, item, metric, value): easy to pivot in a spreadsheet."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "item", "metric", "value"])
    t = report.total

    def row(section: str, item: str, metric: str, value: Any) -> None:
        w.writerow([section, safe_cell(item), metric, "" if value is None else value])

    row("volume", "all", "leads", t.leads)
    for s in report.by_source:
        row("volume", f"source: {s.source}", "leads", s.figures.leads)
    for g in report.by_line:
        row("volume", f"line: {g.key}", "leads", g.figures.leads)
    row("speed", "all", "avg_first_response_seconds", _num(t.avg_response_seconds))
    row("speed", "all", "median_first_response_seconds", _num(report.median_response_seconds))
    row("speed", "all", "pct_within_5_min", _num(t.pct_within_5_min))
    row("speed", "all", "pct_within_30_min", _num(t.pct_within_30_min))
    row("speed", "all", "never_contacted", t.never_contacted)
    for g in report.by_producer:
        row("distribution", f"producer: {g.key}", "leads", g.figures.leads)
    row("distribution", "all", "reassignments", report.reassignments)
    row("distribution", "all", "escalations", report.escalations)
    row("conversion", "all", "lead_to_quote", _num(t.quote_rate))
    row("conversion", "all", "quote_to_bind", _num(t.quote_to_bind))
    row("conversion", "all", "lead_to_bind", _num(t.lead_to_bind))
    row("conversion", "all", "premium", money(t.premium))
    row("conversion", "all", "commission", money(t.commission))
    row("cost", "all", "total", money(report.cost))
    row("cost", "all", "per_lead", money(report.cost_per_lead))
    row("cost", "all", "per_bind", money(report.cost_per_bind))
    for s in report.by_source:
        item = f"source: {s.source}"
        row("cost", item, "cost", money(s.cost))
        row("cost", item, "cost_per_bind", money(s.cost_per_bind))
        row("cost", item, "roi", _num(s.roi))
    for rank, g in enumerate(report.ranked, 1):
        item = f"#{rank} {g.key}"
        row("producers", item, "close_rate", _num(g.figures.close_rate))
        row("producers", item, "avg_first_response_seconds", _num(g.figures.avg_response_seconds))
        row("producers", item, "bound", g.figures.bound)
        row("producers", item, "premium", money(g.figures.premium))
    return out.getvalue()


def _num(value: float | None) -> str | None:
    return None if value is None else f"{value:.4f}"
