"""POST /v1/import/{kind}: the CSV importer over HTTP (a text/csv body, the row report back).

A file of at most ``import_chunk_rows`` lines after its header is imported at once, in one
transaction (200 with the report). A longer one (or any with ``background=true``) becomes a
job: 202 with a ``Location`` to follow at ``GET /v1/imports/{id}``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import ContainerDep, PrincipalDep, read_upload
from leadrouter.api.ids import RowId
from leadrouter.api.openapi import csv_body
from leadrouter.api.problems import PROBLEM_JSON, TYPE_BASE
from leadrouter.api.routes.roster.common import license_verifier
from leadrouter.api.schemas.roster.imports import ImportJobOut, ImportReportOut
from leadrouter.domain.model import Role
from leadrouter.errors import Forbidden
from leadrouter.import_runner import run_job_in_process
from leadrouter.roster.csv.table import most_rows
from leadrouter.services.roster.csv_import import ImportReport, import_csv
from leadrouter.services.roster.import_jobs import get_import_job, start_import_job

router = APIRouter(tags=["import"])

CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
Kind = Literal["producers", "licenses", "territories", "clients", "sources"]


def _rejected(report: ImportReport, instance: str) -> JSONResponse:
    """422 problem+json naming every bad row; the full report rides along."""
    body = {
        "type": TYPE_BASE + "csv-rows-rejected",
        "title": "CSV rows rejected",
        "status": 422,
        "detail": f"{len({e.line for e in report.errors})} bad row(s) in the {report.kind} "
        "file; nothing was imported (send skip_bad_rows=true to import the rest)",
        "instance": instance,
        "errors": [
            {"field": f"line {e.line}" + (f": {e.column}" if e.column else ""), "reason": e.reason}
            for e in report.errors
        ],
        "report": ImportReportOut.of(report).model_dump(),
    }
    return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


@router.post(
    "/import/{kind}",
    response_model=ImportReportOut,
    responses={
        202: {"description": "A large file: imported as a job", "model": ImportJobOut},
        422: {"description": "Bad rows; nothing imported (problem+json with rows)."},
    },
    openapi_extra=csv_body("external_id,name,email\nP001,Ana Diaz,ana@example.com\n"),
)
async def import_file(
    kind: Kind,
    request: Request,
    c: ContainerDep,
    who: PrincipalDep,
    skip_bad_rows: bool = False,
    background: bool = False,
) -> ImportReportOut | JSONResponse:
    """Import a roster CSV (formats: docs/csv-formats.md), all or nothing unless
    skip_bad_rows. Needs a manager key; licenses also a compliance key (they are then
    recorded verified by it). A file of more rows than a chunk (or with background=true)
    runs as a job: 202, then follow GET /v1/imports/{id}."""
    allowed = {Role.MANAGER, Role.COMPLIANCE} if kind == "licenses" else {Role.MANAGER}
    if who.role not in allowed:
        raise Forbidden(f"importing {kind} needs a key with role {' or '.join(sorted(allowed))}")
    _, data = await read_upload(request, CSV_TYPES, "the CSV file")
    verifier = None
    if kind == "licenses":
        verifier = await run_in_threadpool(license_verifier, c, who)
    # Counted by lines, not parsed: 300,000 rows take seconds to parse, and this is the event loop.
    if background or most_rows(data) > c.settings.import_chunk_rows:
        job, owner = await run_in_threadpool(
            start_import_job,
            uow=c.uow(),
            agency_id=who.agency_id,
            kind=kind,
            data=data,
            now=c.clock.now(),
            lease=timedelta(seconds=c.settings.import_lease_seconds),
            skip_bad_rows=skip_bad_rows,
            verified_by=verifier,
        )
        run_job_in_process(c, job.id, owner)
        return JSONResponse(
            ImportJobOut.of(job).model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/v1/imports/{job.id}"},
        )
    report = await run_in_threadpool(
        import_csv,
        uow=c.uow(),
        agency_id=who.agency_id,
        kind=kind,
        data=data,
        now=c.clock.now(),
        skip_bad_rows=skip_bad_rows,
        verified_by=verifier,
    )
    if not report.committed:
        return _rejected(report, request.url.path)
    return ImportReportOut.of(report)


@router.get("/imports/{job_id}")
def get_import(job_id: RowId, c: ContainerDep, who: PrincipalDep) -> ImportJobOut:
    """Where an import job stands: state, rows done of the total, errors, failure."""
    return ImportJobOut.of(
        get_import_job(uow=c.uow(readonly=True), agency_id=who.agency_id, job_id=job_id)
    )
