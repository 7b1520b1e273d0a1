"""Bodies of /v1/compliance: coverage, reconciliations, license alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from leadrouter.services.compliance.coverage import CoverageRow
from leadrouter.services.compliance.reconciliation import ReconciliationReport


class HorizonOut(BaseModel):
    days: int = Field(description="Days from the agency's today.")
    on: date
    producers: int = Field(description="Active producers licensed for the state and line.")


class ExpiringOut(BaseModel):
    producer_id: int
    producer_name: str
    license_id: int
    expiration_date: date


class CoverageRowOut(BaseModel):
    state: str
    line: str = Field(description="Line of authority, e.g. personal_lines.")
    label: str
    counts: list[HorizonOut]
    gaps: list[int] = Field(
        description="Horizons (days ahead) with fewer producers than "
        "`minimum`: where coverage ends unless someone renews."
    )
    expiring: list[ExpiringOut] = Field(
        description="Producers who count now but not at the last horizon, and when they drop out."
    )

    @classmethod
    def of(cls, row: CoverageRow) -> CoverageRowOut:
        return cls(
            state=row.state,
            line=row.line,
            label=row.label,
            counts=[HorizonOut(days=c.days, on=c.on, producers=c.producers) for c in row.counts],
            gaps=list(row.gaps),
            expiring=[
                ExpiringOut(
                    producer_id=e.producer_id,
                    producer_name=e.producer_name,
                    license_id=e.license_id,
                    expiration_date=e.expiration_date,
                )
                for e in row.expiring
            ],
        )


class CoverageOut(BaseModel):
    minimum: int
    horizons: list[int]
    rows: list[CoverageRowOut]
    gaps: int = Field(description="How many state-and-line rows have a gap at some horizon.")


class DifferenceOut(BaseModel):
    kind: str = Field(
        description="add, update, verify, deactivate (apply fixes these); "
        "unknown_npn, shared_npn, unreadable, ignored, refused."
    )
    message: str
    fixable: bool
    applied: bool
    npn: str | None
    producer_id: int | None
    license_id: int | None
    state: str | None
    number: str | None
    field: str | None
    roster: str | None = Field(description="The value on the roster.")
    report: str | None = Field(description="The value in the registry report.")


class ReconciliationSummaryOut(BaseModel):
    id: int
    created_at: datetime
    file_name: str
    file_digest: str = Field(description="SHA-256 of the file, hex.")
    format: str
    applied: bool
    applied_by: str | None
    differences: int
    applied_differences: int

    @classmethod
    def of(cls, r: ReconciliationReport) -> ReconciliationSummaryOut:
        return cls(
            id=r.id,
            created_at=r.created_at,
            file_name=r.file_name,
            file_digest=r.file_digest,
            format=r.format,
            applied=r.applied,
            applied_by=r.applied_by,
            differences=r.count(),
            applied_differences=r.count(applied=True),
        )


class ReconciliationOut(ReconciliationSummaryOut):
    items: list[DifferenceOut]
    assigned_leads: list[int] = Field(description="Queued leads assigned right after the apply.")

    @classmethod
    def of(cls, r: ReconciliationReport) -> ReconciliationOut:
        summary = ReconciliationSummaryOut.of(r).model_dump()
        items: list[dict[str, Any]] = list(r.differences)
        return cls(
            **summary,
            items=[DifferenceOut(**d) for d in items],
            assigned_leads=list(r.assigned_leads),
        )


class LicenseAlertOut(BaseModel):
    id: int
    license_id: int
    producer_id: int
    producer_name: str
    state: str
    number: str
    expiration_date: date
    days_before: int = Field(description="90, 60 or 30; 0 records the lapse.")
    created_at: datetime
