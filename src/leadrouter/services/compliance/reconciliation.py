"""Reconcile the roster with a registry report; keep every run for the agency's audit history.

Each run, a dry run or an applied one, even a refused file, is a ``reconciliations`` row:
when, the file's name and SHA-256, its format, every difference (and whether it was
applied) and who applied it. Applying writes in the same transaction: licenses added from
the report are verified by "registry reconciliation #<id>", changed ones are re-verified by
it, licenses the report no longer lists become inactive; then the roster version moves, the
producer's open leads that lost their license are flagged, and the queue is drained, since
a new or renewed license may make a waiting lead assignable.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.compliance.differences import ADD, DEACTIVATE, Difference, plan
from leadrouter.compliance.registry_report import detect_format, parse_report
from leadrouter.domain.model import License
from leadrouter.errors import ValidationFailed
from leadrouter.paging import Page, page
from leadrouter.roster.specs import LicenseSpec, spec_errors
from leadrouter.services.compliance.expirations import flag_unlicensed_leads
from leadrouter.services.roster.common import fetch
from leadrouter.services.roster.licenses import (
    license_clash,
    verification,
    verification_after,
)
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.routing.queue import drain_queue_in_tx
from leadrouter.store.agency_repo import agency_timezone, agency_today
from leadrouter.store.locks import lock_agency
from leadrouter.store.roster_repo import (
    Row,
    bump_roster_version,
    license_values,
    load_roster,
    spec_of_license,
)
from leadrouter.store.tables import licenses, reconciliations
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class ReconciliationReport:
    id: int
    agency_id: int
    file_name: str
    file_digest: str
    format: str
    created_at: datetime
    applied: bool
    applied_by: str | None
    differences: tuple[dict[str, Any], ...]
    assigned_leads: tuple[int, ...] = ()
    """Queued leads that found a producer right after the apply (not stored)."""

    def count(self, kind: str | None = None, *, applied: bool | None = None) -> int:
        """How many differences of ``kind`` (all kinds when None), optionally by applied."""
        return sum(
            1
            for d in self.differences
            if (kind is None or d["kind"] == kind) and (applied is None or d["applied"] == applied)
        )


def digest(data: bytes) -> str:
    """The file's SHA-256, as stored with its reconciliation."""
    return hashlib.sha256(data).hexdigest()


def reconcile(
    *,
    uow: UnitOfWork,
    agency_id: int,
    file_name: str,
    data: bytes,
    apply: bool,
    actor: str | None,
    now: datetime,
    format: str | None = None,
    caches: RoutingCaches | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReconciliationReport:
    """List every difference between the report and the roster; fix them when ``apply``."""
    fmt = format or detect_format(data, file_name=file_name)
    try:
        report = parse_report(data, format=fmt, progress=progress)
    except ValidationFailed as refused:
        _store(
            uow,
            agency_id,
            file_name,
            data,
            fmt,
            now,
            [Difference("refused", refused.detail, False)],
        )
        raise
    with uow:
        conn = uow.conn
        lock_agency(conn, agency_id)
        rec_id = _insert(conn, agency_id, file_name, data, fmt, now)
        roster = load_roster(conn, agency_id)
        diffs = plan(report, roster.producers, roster.licenses)
        assigned: tuple[int, ...] = ()
        if apply:
            held = {lic.id: lic for lic in roster.licenses}
            diffs = _apply(conn, diffs, held, agency_id=agency_id, rec_id=rec_id, now=now)
            if any(d.applied for d in diffs):
                bump_roster_version(conn, agency_id)
                results = drain_queue_in_tx(
                    conn, caches or RoutingCaches(), agency_id=agency_id, now=now
                )
                assigned = tuple(r.lead_id for r in results if r.outcome == "assigned")
        conn.execute(
            reconciliations.update()
            .where(reconciliations.c.id == rec_id)
            .values(
                differences=[d.as_json() for d in diffs],
                applied=apply,
                applied_by=actor if apply else None,
            )
        )
        result = _report(
            fetch(conn, reconciliations, agency_id, rec_id, "reconciliation"), assigned
        )
        uow.commit()
    return result


def _insert(
    conn: sa.Connection,
    agency_id: int,
    file_name: str,
    data: bytes,
    fmt: str,
    now: datetime,
    differences: list[Difference] | None = None,
) -> int:
    return int(
        conn.execute(
            reconciliations.insert()
            .values(
                agency_id=agency_id,
                file_name=file_name[:500],
                file_digest=digest(data),
                format=fmt,
                differences=[d.as_json() for d in differences or []],
                applied=False,
                applied_by=None,
                created_at=now,
            )
            .returning(reconciliations.c.id)
        ).scalar_one()
    )


def _store(
    uow: UnitOfWork,
    agency_id: int,
    file_name: str,
    data: bytes,
    fmt: str,
    now: datetime,
    diffs: list[Difference],
) -> None:
    with uow:
        _insert(uow.conn, agency_id, file_name, data, fmt, now, diffs)
        uow.commit()


def _apply(
    conn: sa.Connection,
    diffs: list[Difference],
    held: Mapping[int, License],
    *,
    agency_id: int,
    rec_id: int,
    now: datetime,
) -> list[Difference]:
    """Write every fixable difference; one that the roster's rules refuse is marked unfixable."""
    verifier = f"registry reconciliation #{rec_id}"
    tz = agency_timezone(conn, agency_id)
    today = agency_today(conn, agency_id, now)
    groups: dict[int, list[int]] = {}
    out = list(diffs)
    for i, d in enumerate(diffs):
        if not d.fixable:
            continue
        if d.kind == ADD:
            out[i] = _add(conn, d, agency_id=agency_id, verifier=verifier, now=now)
        elif d.license_id is not None:
            groups.setdefault(d.license_id, []).append(i)
    for license_id, indexes in groups.items():
        group = [diffs[i] for i in indexes]
        changes: dict[str, Any] = {}
        for d in group:
            changes.update(d.values)
        update = licenses.update().where(licenses.c.id == license_id)
        if not changes:  # only verified: that can grant authority, never take it away
            conn.execute(update.values(**verification(verifier, now)))
        else:
            before = spec_of_license(held[license_id])
            spec = dataclasses.replace(before, **changes)
            refusal = _refusal(conn, agency_id, spec, license_id)
            if refusal:
                for i in indexes:
                    out[i] = _unfixable(diffs[i], refusal)
                continue
            # the registry vouches for what it listed; a deactivation alone only narrows
            vouched = verifier if any(d.kind != DEACTIVATE for d in group) else None
            values = license_values(spec) | verification_after(before, spec, vouched, now)
            conn.execute(update.values(**values))
            flag_unlicensed_leads(
                conn,
                agency_id=agency_id,
                producer_id=spec.producer_id,
                license_id=license_id,
                state=before.state,
                since=today,
                now=now,
                tz=tz,
            )
        for i in indexes:
            out[i] = dataclasses.replace(diffs[i], applied=True)
    return out


def _add(
    conn: sa.Connection, d: Difference, *, agency_id: int, verifier: str, now: datetime
) -> Difference:
    spec = LicenseSpec(**d.values)
    refusal = _refusal(conn, agency_id, spec, None)
    if refusal:
        return _unfixable(d, refusal)
    conn.execute(
        licenses.insert().values(
            agency_id=agency_id,
            source="registry",
            created_at=now,
            **license_values(spec),
            **verification(verifier, now),
        )
    )
    return dataclasses.replace(d, applied=True)


def _refusal(conn: sa.Connection, agency_id: int, spec: LicenseSpec, self_id: int | None) -> str:
    """Why the roster cannot hold ``spec`` ('' when it can)."""
    problems = spec_errors(spec)
    if problems:
        return "; ".join(f"{p.field} {p.reason}" for p in problems)
    other = license_clash(conn, agency_id, spec, self_id)
    return "" if other is None else f"license {other} already has this state and number"


def _unfixable(d: Difference, reason: str) -> Difference:
    return dataclasses.replace(d, fixable=False, message=f"{d.message} (not applied: {reason})")


def _report(row: Row, assigned: tuple[int, ...] = ()) -> ReconciliationReport:
    return ReconciliationReport(
        id=row["id"],
        agency_id=row["agency_id"],
        file_name=row["file_name"],
        file_digest=row["file_digest"],
        format=row["format"],
        created_at=row["created_at"],
        applied=bool(row["applied"]),
        applied_by=row["applied_by"],
        differences=tuple(row["differences"]),
        assigned_leads=assigned,
    )


def get_reconciliation(
    *, uow: UnitOfWork, agency_id: int, reconciliation_id: int
) -> ReconciliationReport:
    """One reconciliation of the agency, with every difference."""
    with uow:
        row = fetch(uow.conn, reconciliations, agency_id, reconciliation_id, "reconciliation")
        return _report(row)


def list_reconciliations(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 100
) -> Page[ReconciliationReport]:
    """The agency's reconciliations, oldest first (its audit history)."""
    query = sa.select(reconciliations).where(reconciliations.c.agency_id == agency_id)
    with uow:
        return page(
            uow.conn,
            query,
            reconciliations,
            kind="reconciliation",
            cursor=cursor,
            limit=limit,
            build=_report,
        )
