"""POST /v1/import/{kind}: the CSV importer over HTTP (a text/csv body, the row report back)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from leadrouter.api.deps import ContainerDep, PrincipalDep, read_upload
from leadrouter.api.problems import PROBLEM_JSON, TYPE_BASE
from leadrouter.api.routes.roster.common import license_verifier
from leadrouter.api.schemas.roster.imports import ImportReportOut
from leadrouter.domain.model import Role
from leadrouter.errors import Forbidden
from leadrouter.services.roster.csv_import import ImportReport, import_csv

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
    responses={422: {"description": "Bad rows; nothing imported (problem+json with rows)."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "external_id,name,email\nP001,Ana Diaz,ana@example.com\n",
                }
            },
        }
    },
)
async def import_file(
    kind: Kind,
    request: Request,
    c: ContainerDep,
    who: PrincipalDep,
    skip_bad_rows: bool = False,
) -> ImportReportOut | JSONResponse:
    """Import a roster CSV (formats: docs/csv-formats.md), all or nothing unless
    skip_bad_rows. Needs a manager key; licenses also a compliance key (they are then
    recorded verified by it)."""
    allowed = {Role.MANAGER, Role.COMPLIANCE} if kind == "licenses" else {Role.MANAGER}
    if who.role not in allowed:
        raise Forbidden(f"importing {kind} needs a key with role {' or '.join(sorted(allowed))}")
    _, data = await read_upload(request, CSV_TYPES, "the CSV file")
    verifier = None
    if kind == "licenses":
        verifier = await run_in_threadpool(license_verifier, c, who)
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
