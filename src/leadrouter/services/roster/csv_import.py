"""Import a roster CSV, all or nothing: every row is read and checked before any is written.

A file with bad rows is reported row by row (line, column, reason) and imports nothing,
unless ``skip_bad_rows``; then the good rows are imported and the bad ones reported. Rows
that match an existing one by its natural key update it (see ``csv_plan``), so importing
the same file twice changes nothing. One transaction either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.roster.csv.plan import PLANNERS, Context, Plan, ProducerRefs, rows_of
from leadrouter.roster.csv.table import Draft, RowError, count_rows, read_table
from leadrouter.roster.specs import LicenseSpec, ProducerSpec, Spec
from leadrouter.services.roster.common import conflicts_as
from leadrouter.services.roster.licenses import verification_after
from leadrouter.store import roster_repo as repo
from leadrouter.store.agency_repo import agency_timezone
from leadrouter.store.tables import clients, lead_sources, licenses, producers, territories
from leadrouter.store.uow import UnitOfWork

__all__ = [
    "ImportReport",
    "RowError",
    "count_rows",
    "import_csv",
    "plan_rows_in_tx",
    "write_plans_in_tx",
]

Progress = Callable[[int], None]
_BATCH = 500
_ROSTER_KINDS = {"producers", "licenses", "territories"}


@dataclass(frozen=True)
class ImportReport:
    """What an import did, and every row it refused."""

    kind: str
    rows: int
    created: int
    updated: int
    skipped: int
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...]
    committed: bool


@dataclass(frozen=True)
class _Kind:
    table: sa.Table
    values: Callable[[Any], dict[str, Any]]


_KINDS = {
    "producers": _Kind(producers, repo.producer_values),
    "licenses": _Kind(licenses, repo.license_values),
    "territories": _Kind(territories, repo.territory_values),
    "clients": _Kind(clients, repo.client_values),
    "sources": _Kind(lead_sources, repo.source_values),
}


def _batches(plans: list[Plan]) -> Iterator[list[Plan]]:
    for start in range(0, len(plans), _BATCH):
        yield plans[start : start + _BATCH]


def _extra(kind: str, plan: Plan, verified_by: str | None, now: datetime) -> dict[str, Any]:
    """Columns beyond the spec: license provenance and verification; producers' backups."""
    spec: Spec = plan.spec
    if isinstance(spec, ProducerSpec) and plan.sets_backup:
        return {"backup_producer_id": None}  # set once every producer of the file has an id
    if not isinstance(spec, LicenseSpec):
        return {}
    if plan.existing is None:
        return {"source": "csv", **verification_after(None, spec, verified_by, now)}
    return verification_after(repo.license_spec(plan.existing), spec, verified_by, now)


def _write(
    ctx: Context,
    kind: str,
    plans: list[Plan],
    now: datetime,
    verified_by: str | None,
    tick: Progress,
) -> tuple[int, int]:
    table, values = _KINDS[kind].table, _KINDS[kind].values
    new = [p for p in plans if p.existing is None]
    old = [p for p in plans if p.existing is not None]
    for batch in _batches(new):
        ctx.conn.execute(
            table.insert(),
            [
                {
                    "agency_id": ctx.agency_id,
                    "created_at": now,
                    **values(p.spec),
                    **_extra(kind, p, verified_by, now),
                }
                for p in batch
            ],
        )
        tick(len(batch))
    for plan in old:
        assert plan.existing is not None
        ctx.conn.execute(
            table.update()
            .where(table.c.id == plan.existing["id"])
            .values({**values(plan.spec), **_extra(kind, plan, verified_by, now)})
        )
        tick(1)
    if kind == "producers":
        _set_backups(ctx, plans)
    return len(new), len(old)


def _set_backups(ctx: Context, plans: list[Plan]) -> None:
    refs = ProducerRefs(rows_of(ctx, producers))
    for plan in plans:
        if plan.backup is None:
            continue
        assert isinstance(plan.spec, ProducerSpec)
        ctx.conn.execute(
            producers.update()
            .where(producers.c.agency_id == ctx.agency_id, producers.c.email == plan.spec.email)
            .values(backup_producer_id=refs.find(plan.backup))
        )


def plan_rows_in_tx(
    conn: sa.Connection, agency_id: int, kind: str, drafts: list[Draft]
) -> tuple[list[Plan], list[RowError]]:
    """Check every read row against the agency's roster: what to write, and what is wrong."""
    ctx = Context(conn, agency_id, agency_timezone(conn, agency_id))
    return PLANNERS[kind](ctx, drafts)


def write_plans_in_tx(
    conn: sa.Connection,
    agency_id: int,
    kind: str,
    plans: list[Plan],
    *,
    now: datetime,
    verified_by: str | None,
) -> tuple[int, int]:
    """Write planned rows inside the caller's transaction; (created, updated)."""
    ctx = Context(conn, agency_id, agency_timezone(conn, agency_id))
    with conflicts_as(
        f"the {kind} file clashes with the roster (a duplicate key); this part was not imported"
    ):
        created, updated = _write(ctx, kind, plans, now, verified_by, lambda _n: None)
    if kind in _ROSTER_KINDS and plans:
        repo.bump_roster_version(conn, agency_id)
    return created, updated


def import_csv(
    *,
    uow: UnitOfWork,
    agency_id: int,
    kind: str,
    data: str | bytes,
    now: datetime,
    skip_bad_rows: bool = False,
    verified_by: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV of ``kind`` (producers, licenses, territories, clients, sources).

    ``verified_by`` records imported licenses as verified by that name at ``now`` (a
    compliance officer's key, a registry); without it they are pending. ``progress`` is
    called with the number of rows just done.
    """
    tick: Progress = progress or (lambda _n: None)
    table = read_table(kind, data)

    def report(created: int, updated: int, errors: list[RowError], done: bool) -> ImportReport:
        bad_lines = {e.line for e in errors}
        return ImportReport(
            kind=kind,
            rows=table.rows,
            created=created,
            updated=updated,
            skipped=len(bad_lines) if done else 0,
            errors=tuple(sorted(errors, key=lambda e: (e.line, e.column))),
            ignored_columns=tuple(table.ignored_columns),
            committed=done,
        )

    if table.unusable:
        return report(0, 0, table.errors, False)
    with uow:
        conn = uow.conn
        ctx = Context(conn, agency_id, agency_timezone(conn, agency_id))
        plans, plan_errors = PLANNERS[kind](ctx, table.drafts)
        errors = table.errors + plan_errors
        if errors and not skip_bad_rows:
            return report(0, 0, errors, False)
        with conflicts_as(
            f"the {kind} file clashes with the roster (a duplicate key); nothing was imported"
        ):
            created, updated = _write(ctx, kind, plans, now, verified_by, tick)
        if kind in _ROSTER_KINDS and plans:
            repo.bump_roster_version(conn, agency_id)
        uow.commit()
    tick(table.rows - len(plans))
    return report(created, updated, errors, True)
