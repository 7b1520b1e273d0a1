"""Reports over the JSON API: producer statistics, source ROI, the monthly report (JSON,
HTML, CSV or PDF) and the AMS export of leads as CSV."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.ids import RowIdQuery
from leadrouter.domain.model import LeadStatus
from leadrouter.render import ams
from leadrouter.render import monthly as render
from leadrouter.services.people.access import may_read_agency_figures, own_producer
from leadrouter.services.reports import documents, export, periods
from leadrouter.services.reports.monthly import monthly_report
from leadrouter.services.reports.producer_stats import producer_stats
from leadrouter.services.reports.source_roi import source_roi

router = APIRouter(tags=["reports"])
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
MonthText = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-10"])]


@router.get(
    "/reports/producers",
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "A key bound to a producer asked for another producer's.",
        }
    },
)
def get_producer_stats(
    container: ContainerDep,
    principal: PrincipalDep,
    days: Annotated[int, Query(ge=1, le=366)] = 90,
    producer_id: RowIdQuery = None,
) -> dict[str, Any]:
    """Per producer, and per producer x line x intent tier x source, over the leads received
    in the trailing ``days``: contact rate, average and median first response, % within
    5 minutes, quote rate, close rate (bound out of bound or lost), premium. A key bound to
    a producer gets that producer's own figures only (another producer_id: 403)."""
    stats = producer_stats(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        now=container.clock.now(),
        days=days,
        producer_id=own_producer(principal, producer_id),
    )
    return documents.stats_document(stats)


@router.get(
    "/reports/sources",
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "Agency-wide: not for a key bound to a producer.",
        }
    },
)
def get_source_roi(
    container: ContainerDep,
    principal: PrincipalDep,
    from_month: Annotated[MonthText | None, Query(alias="from")] = None,
    to_month: Annotated[MonthText | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Per lead source and month (agency time zone; by default the last twelve months):
    leads, cost per lead, cost, contacted, quoted, bound, cost per quote and per bind,
    premium written, commission and ROI ((commission - cost) / cost). Agency-wide: not for
    a key bound to a producer (403)."""
    may_read_agency_figures(principal)
    rows = source_roi(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        now=container.clock.now(),
        first=periods.parse_month(from_month, field="from") if from_month else None,
        last=periods.parse_month(to_month, field="to") if to_month else None,
    )
    return {"items": [documents.source_month_document(r) for r in rows]}


@router.get(
    "/reports/monthly/{month}",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/html": {},
                "text/csv": {},
                "application/pdf": {},
            },
            "description": "The report in the format asked for (JSON by default).",
        },
        403: {**_PROBLEM, "description": "Agency-wide: not for a key bound to a producer."},
        422: _PROBLEM,
    },
)
async def get_monthly_report(
    month: str,
    container: ContainerDep,
    principal: PrincipalDep,
    format: Literal["json", "html", "csv", "pdf"] = "json",
) -> Response:
    """The monthly report of the leads received in ``month`` (YYYY-MM, agency time zone):
    volume, speed, distribution, conversion, cost and producers ranked. Agency-wide: not
    for a key bound to a producer (403)."""
    may_read_agency_figures(principal)
    first = periods.parse_month(month)
    report = await run_in_threadpool(
        lambda: monthly_report(
            uow=container.uow(readonly=True),
            agency_id=principal.agency_id,
            now=container.clock.now(),
            month=first,
        )
    )
    if format == "json":
        return Response(_json(documents.monthly_document(report)), media_type="application/json")
    name = f"leadrouter-report-{month}.{format}"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    body: str | bytes
    if format == "html":
        body = render.monthly_html(report)
    elif format == "csv":
        body = render.monthly_csv(report)
    else:
        body = await run_in_threadpool(render.monthly_pdf, report)
    return Response(body, media_type=render.MEDIA_TYPES[format], headers=headers)


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


@router.get(
    "/leads/export.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One row per lead."},
        403: {**_PROBLEM, "description": "A key bound to a producer asked for another producer's."},
    },
)
def export_leads(
    container: ContainerDep,
    principal: PrincipalDep,
    received_from: date | None = None,
    received_to: date | None = None,
    status: Annotated[list[LeadStatus] | None, Query()] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    producer_id: RowIdQuery = None,
) -> StreamingResponse:
    """The agency's leads for an AMS import (HawkSoft-style columns), oldest first; cells
    that a spreadsheet would evaluate as a formula are prefixed with an apostrophe. A key
    bound to a producer exports that producer's leads only (another producer_id: 403)."""
    filters = export.ExportFilter(
        received_from=received_from,
        received_to=received_to,
        statuses=tuple(s.value for s in status or ()),
        source=source,
        producer_id=own_producer(principal, producer_id),
    )
    rows = export.export_rows(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        filters=filters,
        now=container.clock.now(),
    )
    return StreamingResponse(
        ams.export_csv_chunks(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="leads.csv"'},
    )
