"""The live dashboard of managers and supervisors."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from leadrouter.web.session import StaffDep
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: StaffDep) -> HTMLResponse:
    """Today's leads, the producers, alerts, pipeline, queue and charts; live."""
    return page(request, "dashboard.html", {}, session=session)
