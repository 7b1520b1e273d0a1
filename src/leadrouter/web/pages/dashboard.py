"""The live dashboard of managers and supervisors: today's leads and speed, the producers,
alerts, live calls, pipeline, queue, newest leads and charts; updated over server-sent
events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import ContainerDep
from leadrouter.bootstrap import Container
from leadrouter.services.dashboard import alerts, charts, numbers
from leadrouter.services.dashboard.calls import live_calls
from leadrouter.services.dashboard.changes import fingerprint
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.services.dashboard.recent import recent_leads
from leadrouter.services.routing import decisions
from leadrouter.web.charts import bar_chart
from leadrouter.web.session import StaffDep, shown_as_page
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0
# Alerts age with the clock (untouched for 15 minutes...), so refresh now and then anyway.
REFRESH_EVERY_SECONDS = 30.0
QUEUE_SHOWN = 10  # the queue panel lists the first so many; its title counts them all
QUEUE_PAGE = 100  # the queue's own page lists so many at a time


def _board(container: Container, agency_id: int) -> dict[str, Any]:
    now = container.clock.now()

    def read() -> Any:
        return container.uow(readonly=True)

    table = numbers.producer_rows(uow=read(), agency_id=agency_id, now=now)
    sources = charts.by_source(uow=read(), agency_id=agency_id, now=now)
    return {
        "today": numbers.today(uow=read(), agency_id=agency_id, now=now),
        "table": table,
        "alerts": alerts.alerts(
            uow=read(), deps=container.routing, agency_id=agency_id, now=now, table=table
        ),
        "pipeline": numbers.pipeline(uow=read(), agency_id=agency_id, now=now),
        "queue": decisions.queue(uow=read(), agency_id=agency_id, limit=QUEUE_SHOWN).items,
        "waiting": decisions.waiting_count(uow=read(), agency_id=agency_id),
        "calls": live_calls(uow=read(), agency_id=agency_id, now=now),
        "recent": recent_leads(uow=read(), agency_id=agency_id),
        "response_chart": bar_chart(
            "First response, last 30 days",
            [charts.response_chart(uow=read(), agency_id=agency_id, now=now)],
        ),
        "funnel_chart": bar_chart(
            "Lead to contact to quote to bind, last 30 days",
            [charts.funnel(uow=read(), agency_id=agency_id, now=now)],
        ),
        "source_chart": bar_chart(
            "Leads and binds by source, last 30 days",
            [[leads for leads, _ in sources], [bound for _, bound in sources]],
            names=("leads", "bound"),
        )
        if sources
        else None,
        "tz": agency_zone(uow=read(), agency_id=agency_id),
        "now": now,
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, container: ContainerDep, session: StaffDep) -> HTMLResponse:
    """Today's leads, the producers, alerts, pipeline, queue and charts; live."""
    board = _board(container, session.user.agency_id)
    return page(request, "dashboard.html", board, session=session)


@router.get("/dashboard/live", response_class=HTMLResponse)
def live(request: Request, container: ContainerDep, session: StaffDep) -> HTMLResponse:
    """The dashboard's moving part, which the page swaps in when the stream says so."""
    board = _board(container, session.user.agency_id)
    return page(request, "_dashboard_live.html", board, session=session)


@router.get("/dashboard/stream")
async def stream(request: Request, container: ContainerDep, session: StaffDep) -> Any:
    """Server-sent events: ``refresh`` whenever the agency's leads change (and every 30 s)."""
    agency_id = session.user.agency_id
    # The baseline is taken before the stream opens: a change made once the browser holds
    # the stream is never mistaken for the state it started from.
    first = await run_in_threadpool(_fingerprint, container, agency_id)

    async def events() -> AsyncIterator[dict[str, str]]:
        seen, quiet = first, 0.0
        while not await request.is_disconnected():
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS
            now = await run_in_threadpool(_fingerprint, container, agency_id)
            if now != seen or quiet >= REFRESH_EVERY_SECONDS:
                seen, quiet = now, 0.0
                yield {"event": "refresh", "data": "changed"}

    return EventSourceResponse(events(), ping=15)


def _fingerprint(container: Container, agency_id: int) -> str:
    return fingerprint(uow=container.uow(readonly=True), agency_id=agency_id)


@router.get("/dashboard/bars", response_class=HTMLResponse)
def bar_leads(
    request: Request, key: str, container: ContainerDep, session: StaffDep
) -> HTMLResponse:
    """The leads behind a bar of a chart (a fragment for htmx, a page otherwise)."""
    with shown_as_page():
        title, rows = charts.leads_behind(
            uow=container.uow(readonly=True),
            agency_id=session.user.agency_id,
            now=container.clock.now(),
            key=key,
        )
    tz = agency_zone(uow=container.uow(readonly=True), agency_id=session.user.agency_id)
    name = "_bar_leads.html" if request.headers.get("HX-Request") else "bar_leads.html"
    return page(request, name, {"title": title, "rows": rows, "tz": tz}, session=session)


@router.get("/dashboard/queue", response_class=HTMLResponse)
def queue(
    request: Request, container: ContainerDep, session: StaffDep, cursor: str | None = None
) -> HTMLResponse:
    """Every waiting lead, in the order the queue will be drained, a page at a time."""
    agency_id = session.user.agency_id
    with shown_as_page():
        shown = decisions.queue(
            uow=container.uow(readonly=True), agency_id=agency_id, cursor=cursor, limit=QUEUE_PAGE
        )
    context = {
        "queue": shown.items,
        "next_cursor": shown.next_cursor,
        "paged": cursor is not None,
        "waiting": decisions.waiting_count(uow=container.uow(readonly=True), agency_id=agency_id),
        "tz": agency_zone(uow=container.uow(readonly=True), agency_id=agency_id),
    }
    return page(request, "queue.html", context, session=session)
