"""Reports for managers and supervisors: producer statistics, source ROI, the monthly report
(page, CSV and PDF), all from the reports' service functions, behind the web sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import ContainerDep
from leadrouter.errors import NotFound
from leadrouter.render import monthly as render
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.services.reports import periods
from leadrouter.services.reports.monthly import monthly_report
from leadrouter.services.reports.producer_stats import producer_stats
from leadrouter.services.reports.source_roi import source_roi
from leadrouter.web.session import StaffDep, shown_as_page
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)
# The monthly report is one self-contained page with its own inline styles (it is also the
# PDF's source); it carries no script, so only its styles are let in.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request, container: ContainerDep, session: StaffDep, month: str | None = None
) -> HTMLResponse:
    """Producer statistics (90 days) and source ROI of a month, with the monthly report."""
    agency_id, now = session.user.agency_id, container.clock.now()
    tz = agency_zone(uow=container.uow(readonly=True), agency_id=agency_id)
    with shown_as_page():
        current = periods.current_month(now, tz)
        first = periods.begun(periods.parse_month(month), now, tz) if month else current
        stats = producer_stats(uow=container.uow(readonly=True), agency_id=agency_id, now=now)
        sources = source_roi(
            uow=container.uow(readonly=True), agency_id=agency_id, now=now, first=first, last=first
        )
    context: dict[str, Any] = {
        "month": first.strftime("%Y-%m"),
        "latest": current.strftime("%Y-%m"),
        "stats": stats.producers,
        "sources": sources,
    }
    return page(request, "reports.html", context, session=session)


@router.get("/reports/monthly/{month}.{fmt}")
async def monthly(month: str, fmt: str, container: ContainerDep, session: StaffDep) -> Response:
    """The monthly report as a page (html), CSV or PDF."""
    agency_id = session.user.agency_id
    with shown_as_page():
        first = periods.parse_month(month)
        if fmt not in render.FORMATS:
            raise NotFound(f"the monthly report comes as html, csv or pdf, not {fmt}")
        report = await run_in_threadpool(
            lambda: monthly_report(
                uow=container.uow(readonly=True),
                agency_id=agency_id,
                now=container.clock.now(),
                month=first,
            )
        )
    tz = agency_zone(uow=container.uow(readonly=True), agency_id=agency_id)
    headers = {"Content-Disposition": f'inline; filename="leadrouter-report-{month}.{fmt}"'}
    body: str | bytes
    if fmt == "html":
        back = (f"/reports?month={first:%Y-%m}", "← Reports"), ("/dashboard", "Dashboard")
        body = render.monthly_html(report, timezone=tz, links=back)
        headers["Content-Security-Policy"] = REPORT_CSP
    elif fmt == "csv":
        body = render.monthly_csv(report)
    else:
        body = await run_in_threadpool(lambda: render.monthly_pdf(report, timezone=tz))
    return Response(body, media_type=render.MEDIA_TYPES[fmt], headers=headers)
