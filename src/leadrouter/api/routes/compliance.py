"""/v1/compliance: the coverage gap forecast, registry reconciliations, license alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import ContainerDep, PrincipalDep, read_upload
from leadrouter.api.ids import RowId, RowIdQuery
from leadrouter.api.openapi import csv_body
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.schemas.compliance import (
    CoverageOut,
    CoverageRowOut,
    LicenseAlertOut,
    ReconciliationOut,
    ReconciliationSummaryOut,
)
from leadrouter.domain.model import Role
from leadrouter.errors import Forbidden
from leadrouter.services.compliance import reconciliation
from leadrouter.services.compliance.coverage import HORIZONS, coverage_report
from leadrouter.services.compliance.expirations import list_license_alerts
from leadrouter.services.roster.licenses import verifier_name

router = APIRouter(prefix="/compliance", tags=["compliance"])

MEDIA = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "application/xml": "xml",
    "text/xml": "xml",
}
APPLIERS = (Role.COMPLIANCE, Role.MANAGER)


@router.get("/coverage")
def coverage(
    c: ContainerDep,
    who: PrincipalDep,
    minimum: Annotated[
        int, Query(ge=1, le=1000, description="Fewer producers than this is a gap.")
    ] = 1,
    state: Annotated[str | None, Query(description="Only this state.")] = None,
) -> CoverageOut:
    """For each state and line of authority, the active licensed producers now and in 30, 60 and
    90 days, assuming nobody renews: where coverage ends if nobody acts."""
    rows = coverage_report(
        uow=c.uow(readonly=True), agency_id=who.agency_id, now=c.clock.now(), minimum=minimum
    )
    if state:
        rows = [r for r in rows if r.state == state.strip().upper()]
    return CoverageOut(
        minimum=minimum,
        horizons=list(HORIZONS),
        rows=[CoverageRowOut.of(r) for r in rows],
        gaps=sum(1 for r in rows if r.gaps),
    )


@router.post(
    "/reconciliations",
    status_code=201,
    response_model=ReconciliationOut,
    responses={422: {"description": "The file cannot be read (the attempt is still kept)."}},
    openapi_extra=csv_body(
        "NPN,License Number,State,License Class,Line of Authority,Residency,"
        "Active,Issue Date,Expiration Date\n1234567,LA-100101,NY,Insurance "
        "Producer,Property;Casualty,Resident,Yes,2020-01-15,2027-01-31\n",
        "application/xml",
    ),
)
async def reconcile(
    request: Request,
    response: Response,
    c: ContainerDep,
    who: PrincipalDep,
    apply: Annotated[
        bool,
        Query(
            description="Apply the differences (compliance or manager key); otherwise a dry run."
        ),
    ] = False,
    file_name: Annotated[str | None, Query(max_length=500)] = None,
) -> ReconciliationOut:
    """Compare a registry report (CSV or XML body; formats in docs/compliance.md) with the
    roster. Every run is kept with the file's SHA-256, its differences and who applied it."""
    if apply and who.role not in APPLIERS:
        raise Forbidden("applying a reconciliation needs a key with role compliance or manager")
    media, data = await read_upload(request, MEDIA, "the report")
    actor = None
    if apply:  # who applied it is kept; a dry run records nobody
        actor = await run_in_threadpool(
            verifier_name, uow=c.uow(readonly=True), agency_id=who.agency_id, key_id=who.key_id
        )
    fmt = MEDIA[media]
    report = await run_in_threadpool(
        reconciliation.reconcile,
        uow=c.uow(),
        agency_id=who.agency_id,
        file_name=file_name or f"upload.{fmt}",
        data=data,
        apply=apply,
        actor=actor,
        now=c.clock.now(),
        format=fmt,
        caches=c.routing,
    )
    response.headers["Location"] = f"/v1/compliance/reconciliations/{report.id}"
    return ReconciliationOut.of(report)


@router.get("/reconciliations")
def history(
    c: ContainerDep,
    who: PrincipalDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageOut[ReconciliationSummaryOut]:
    """Every reconciliation of the agency, oldest first: what a regulator asks to see."""
    found = reconciliation.list_reconciliations(
        uow=c.uow(readonly=True), agency_id=who.agency_id, cursor=cursor, limit=limit
    )
    return page_out(found, ReconciliationSummaryOut.of)


@router.get("/reconciliations/{reconciliation_id}")
def one(reconciliation_id: RowId, c: ContainerDep, who: PrincipalDep) -> ReconciliationOut:
    """One reconciliation with every difference and whether it was applied."""
    return ReconciliationOut.of(
        reconciliation.get_reconciliation(
            uow=c.uow(readonly=True), agency_id=who.agency_id, reconciliation_id=reconciliation_id
        )
    )


@router.get("/alerts")
def alerts(
    c: ContainerDep,
    who: PrincipalDep,
    producer_id: RowIdQuery = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageOut[LicenseAlertOut]:
    """License alerts recorded by the expiration sweep, newest first (days_before 0: lapsed)."""
    found = list_license_alerts(
        uow=c.uow(readonly=True),
        agency_id=who.agency_id,
        producer_id=producer_id,
        cursor=cursor,
        limit=limit,
    )
    fields = LicenseAlertOut.model_fields
    return page_out(found, lambda r: LicenseAlertOut(**{k: r[k] for k in fields}))
