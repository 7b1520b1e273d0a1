"""The pages each role starts on (their content grows in the dashboard and portal modules)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from leadrouter.domain.model import Role
from leadrouter.web.session import SessionDep, require
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/compliance", response_class=HTMLResponse)
def compliance_home(request: Request, session: SessionDep) -> HTMLResponse:
    """Compliance works through the license API and CLI; this page says where."""
    require(Role.COMPLIANCE, Role.MANAGER)(session)
    return page(request, "compliance.html", {}, session=session)
