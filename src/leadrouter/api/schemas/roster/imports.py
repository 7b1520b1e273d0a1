"""The report of a CSV import."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from leadrouter.services.roster.csv_import import ImportReport
from leadrouter.services.roster.import_jobs import ImportJob


class RowErrorOut(BaseModel):
    line: int = Field(description="Line in the file; 1 is the header.")
    column: str
    reason: str


class ImportReportOut(BaseModel):
    kind: str
    rows: int = Field(description="Data rows in the file.")
    created: int
    updated: int
    skipped: int = Field(description="Bad rows left out (only with skip_bad_rows).")
    errors: list[RowErrorOut]
    ignored_columns: list[str] = Field(description="Header cells we do not know.")

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(
            kind=report.kind,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            skipped=report.skipped,
            errors=[
                RowErrorOut(line=e.line, column=e.column, reason=e.reason) for e in report.errors
            ],
            ignored_columns=list(report.ignored_columns),
        )


class ImportJobOut(BaseModel):
    """An import running as a job: where it stands (docs/csv-formats.md, "Large files")."""

    id: int
    kind: str
    state: str = Field(
        description="queued, validating, applying, then done; rejected (bad rows, nothing "
        "written) or failed (see failure)."
    )
    rows_total: int = Field(description="Data rows in the file.")
    rows_done: int = Field(
        description="Rows written so far (all of them, bad ones included, once done)."
    )
    created: int
    updated: int
    skipped: int = Field(description="Bad rows left out (only with skip_bad_rows).")
    error_count: int = Field(description="Every row error; errors lists the first 1000.")
    errors: list[RowErrorOut]
    ignored_columns: list[str]
    failure: str | None = Field(description="Why a failed job stopped, and what stays written.")
    attempts: int = Field(description="How many runners have taken it (a crash adds one).")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: ImportJob) -> ImportJobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            rows_total=job.rows_total,
            rows_done=job.rows_done,
            created=job.created,
            updated=job.updated,
            skipped=job.skipped,
            error_count=job.error_count,
            errors=[RowErrorOut(line=e.line, column=e.column, reason=e.reason) for e in job.errors],
            ignored_columns=list(job.ignored_columns),
            failure=job.failure,
            attempts=job.attempts,
            created_at=job.created_at,
            updated_at=job.updated_at,
            finished_at=job.finished_at,
        )
