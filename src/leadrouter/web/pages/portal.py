"""The producer portal: my leads, made for a phone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from leadrouter.web.session import ProducerDep
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request, session: ProducerDep) -> HTMLResponse:
    """My leads by urgency, my follow-ups due today, my numbers."""
    return page(request, "portal.html", {}, session=session)
