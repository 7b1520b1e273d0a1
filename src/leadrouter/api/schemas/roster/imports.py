"""The report of a CSV import."""

from __future__ import annotations

from pydantic import BaseModel, Field

from leadrouter.services.roster.csv_import import ImportReport


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
