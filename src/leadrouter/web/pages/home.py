"""The compliance role's page (the dashboard and the portal have modules of their own)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from leadrouter.api.deps import ContainerDep
from leadrouter.domain.compliance import LINE_LABELS
from leadrouter.domain.model import Role
from leadrouter.services.compliance.overview import compliance_overview
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.web.session import SessionDep, require
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)


@router.get("/compliance", response_class=HTMLResponse)
def compliance_home(request: Request, container: ContainerDep, session: SessionDep) -> HTMLResponse:
    """License coverage by state x line, expiring licenses, the latest license-gate refusals
    and the audit chain's state, for compliance officers and managers."""
    require(Role.COMPLIANCE, Role.MANAGER)(session)
    agency_id = session.user.agency_id
    view = compliance_overview(
        uow=container.uow(readonly=True), agency_id=agency_id, now=container.clock.now()
    )
    context = {
        "view": view,
        "line_labels": LINE_LABELS,
        "tz": agency_zone(uow=container.uow(readonly=True), agency_id=agency_id),
    }
    return page(request, "compliance.html", context, session=session)
