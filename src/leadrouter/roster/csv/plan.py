"""Turning read rows into what to write: resolve producer references, match existing rows by
their natural key, and check each result, all before anything is written.

Natural keys: producers by external id, else email; licenses by (producer, state, number);
territories and lead sources by name; clients by external id (without one, by the same
name, phone and email).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from leadrouter.roster.csv.columns import column_of_field
from leadrouter.roster.csv.table import Draft, RowError
from leadrouter.roster.schedule import parse_out_of_office
from leadrouter.roster.specs import (
    ClientSpec,
    LicenseSpec,
    ProducerSpec,
    SourceSpec,
    Spec,
    TerritorySpec,
    spec_errors,
)
from leadrouter.store import roster_repo as repo
from leadrouter.store.roster_repo import Row
from leadrouter.store.tables import clients, lead_sources, licenses, producers, territories


@dataclass
class Plan:
    """One good row: the spec to write and the row it updates (None: a new row)."""

    line: int
    spec: Spec
    existing: Row | None
    backup: str | None = None
    sets_backup: bool = False


@dataclass
class Context:
    conn: sa.Connection
    agency_id: int
    agency_tz: str


class ProducerRefs:
    """Producer references (external id or email) of an agency -> producer ids."""

    def __init__(self, rows: list[Row]) -> None:
        self.by_ext = {r["external_id"]: r["id"] for r in rows if r["external_id"]}
        self.by_email = {r["email"]: r["id"] for r in rows}

    def find(self, ref: str) -> int | None:
        return self.by_ext.get(ref) or self.by_email.get(ref.lower())


def rows_of(ctx: Context, table: sa.Table) -> list[Row]:
    query = sa.select(table).where(table.c.agency_id == ctx.agency_id).order_by(table.c.id)
    return list(ctx.conn.execute(query).mappings())


def _errors_of(kind: str, line: int, spec: Spec) -> list[RowError]:
    return [RowError(line, column_of_field(kind, e.field), e.reason) for e in spec_errors(spec)]


def _resolve(kind: str, draft: Draft, refs: ProducerRefs) -> tuple[dict[str, Any], list[RowError]]:
    values = dict(draft.values)
    errors = []
    for field, ref in draft.refs.items():
        if ref is None:
            values[field] = None
            continue
        found = refs.find(ref)
        if found is None:
            errors.append(
                RowError(
                    draft.line,
                    column_of_field(kind, field),
                    f"no producer {ref!r} in this agency (by external id or email)",
                )
            )
        values[field] = found
    return values, errors


def _plan_keyed(
    kind: str,
    ctx: Context,
    drafts: list[Draft],
    table: sa.Table,
    key_of_row: Callable[[Row], Hashable | None],
    key_of_values: Callable[[dict[str, Any]], Hashable | None],
    spec_of_row: Callable[[Row], Spec],
    new_spec: Callable[[dict[str, Any]], Spec],
    key_column: str,
) -> tuple[list[Plan], list[RowError]]:
    """Plans for a kind whose rows refer to producers and are matched by one natural key."""
    refs = ProducerRefs(rows_of(ctx, producers))
    existing = {key_of_row(r): r for r in rows_of(ctx, table)}
    existing.pop(None, None)
    seen: dict[Hashable, int] = {}
    plans: list[Plan] = []
    errors: list[RowError] = []
    for draft in drafts:
        values, row_errors = _resolve(kind, draft, refs)
        if row_errors:
            errors.extend(row_errors)
            continue
        key = key_of_values(values)
        if key is not None and key in seen:
            errors.append(RowError(draft.line, key_column, f"the same as line {seen[key]}"))
            continue
        if key is not None:
            seen[key] = draft.line
        row = existing.get(key) if key is not None else None
        spec = dataclasses.replace(spec_of_row(row), **values) if row else new_spec(values)
        row_errors = _errors_of(kind, draft.line, spec)
        if row_errors:
            errors.extend(row_errors)
        else:
            plans.append(Plan(draft.line, spec, row))
    return plans, errors


def plan_licenses(ctx: Context, drafts: list[Draft]) -> tuple[list[Plan], list[RowError]]:
    return _plan_keyed(
        "licenses",
        ctx,
        drafts,
        licenses,
        lambda r: (r["producer_id"], r["state"], r["number"]),
        lambda v: (v["producer_id"], v["state"], v["number"]),
        repo.license_spec,
        lambda v: LicenseSpec(**v),
        "number",
    )


def plan_territories(ctx: Context, drafts: list[Draft]) -> tuple[list[Plan], list[RowError]]:
    return _plan_keyed(
        "territories",
        ctx,
        drafts,
        territories,
        lambda r: r["name"],
        lambda v: v["name"],
        repo.territory_spec,
        lambda v: TerritorySpec(**v),
        "name",
    )


def plan_sources(ctx: Context, drafts: list[Draft]) -> tuple[list[Plan], list[RowError]]:
    return _plan_keyed(
        "sources",
        ctx,
        drafts,
        lead_sources,
        lambda r: r["name"],
        lambda v: v["name"],
        repo.source_spec,
        lambda v: SourceSpec(**v),
        "name",
    )


def _client_key(values: Mapping[str, Any]) -> Hashable | None:
    if values.get("external_id"):
        return ("ext", values["external_id"])
    return ("same", values.get("name"), values.get("phone"), values.get("email"))


def plan_clients(ctx: Context, drafts: list[Draft]) -> tuple[list[Plan], list[RowError]]:
    return _plan_keyed(
        "clients",
        ctx,
        drafts,
        clients,
        _client_key,
        _client_key,
        repo.client_spec,
        lambda v: ClientSpec(**v),
        "external_id",
    )


def plan_producers(ctx: Context, drafts: list[Draft]) -> tuple[list[Plan], list[RowError]]:
    """Plans for producers; backups may name producers of the same file, checked last."""
    rows = rows_of(ctx, producers)
    by_ext = {r["external_id"]: r for r in rows if r["external_id"]}
    by_email = {r["email"]: r for r in rows}
    seen: dict[Hashable, int] = {}
    plans: list[Plan] = []
    errors: list[RowError] = []
    for draft in drafts:
        values = dict(draft.values)
        ext, email = values.get("external_id"), values["email"]
        row = by_ext.get(ext) if ext else None
        row = row or by_email.get(email)
        holder = by_email.get(email)
        row_errors = []
        if holder is not None and row is not None and holder["id"] != row["id"]:
            row_errors.append(
                RowError(
                    draft.line, "email", f"{email} belongs to another producer ({holder['id']})"
                )
            )
        if row is not None and ext and row["external_id"] and row["external_id"] != ext:
            row_errors.append(
                RowError(
                    draft.line,
                    "external_id",
                    f"{email} is producer {row['external_id']}, not {ext}",
                )
            )
        for key, column in (
            (("ext", ext), "external_id"),
            (("email", email), "email"),
            (("id", row["id"] if row else None), "email"),
        ):
            if key[1] is not None and key in seen:
                row_errors.append(RowError(draft.line, column, f"the same as line {seen[key]}"))
            elif key[1] is not None:
                seen[key] = draft.line
        ooo = values.pop("out_of_office", None)
        spec = (
            dataclasses.replace(repo.producer_spec(row), **values)
            if row
            else ProducerSpec(**values)
        )
        if spec.timezone is None:
            spec = dataclasses.replace(spec, timezone=ctx.agency_tz)
        if ooo is not None and spec.timezone is not None:
            try:
                spec = dataclasses.replace(
                    spec, out_of_office=parse_out_of_office(ooo, spec.timezone)
                )
            except ValueError as exc:
                row_errors.append(RowError(draft.line, "out_of_office", str(exc)))
        row_errors += _errors_of("producers", draft.line, spec)
        errors.extend(row_errors)
        if not row_errors:
            has_backup = "backup_producer_id" in draft.refs
            plans.append(
                Plan(
                    draft.line,
                    spec,
                    row,
                    draft.refs.get("backup_producer_id"),
                    sets_backup=has_backup,
                )
            )
    db = ProducerRefs(rows)
    while found := _check_backups(plans, db):  # a dropped row may orphan another's backup
        errors += found
    return plans, errors


def _check_backups(plans: list[Plan], db: ProducerRefs) -> list[RowError]:
    """Each backup must be a producer of the agency or of the file, and not the row itself;
    rows that fail are dropped from ``plans``."""
    in_file: dict[str, int] = {}
    for index, plan in enumerate(plans):
        assert isinstance(plan.spec, ProducerSpec)
        in_file[plan.spec.email] = index
        if plan.spec.external_id:
            in_file[plan.spec.external_id] = index
    errors = []
    for index, plan in enumerate(plans):
        if plan.backup is None:
            continue
        target = in_file.get(plan.backup, in_file.get(plan.backup.lower()))
        db_id = db.find(plan.backup)
        if target is None and db_id is None:
            errors.append(
                RowError(
                    plan.line,
                    "backup",
                    f"no producer {plan.backup!r} in this agency or on a good row of this file",
                )
            )
        elif target == index or (
            db_id is not None
            and plan.existing is not None
            and db_id == plan.existing["id"]
            and target is None
        ):
            errors.append(RowError(plan.line, "backup", "a producer cannot back up themselves"))
    bad = {e.line for e in errors}
    plans[:] = [p for p in plans if p.line not in bad]
    return errors


PLANNERS: dict[str, Callable[[Context, list[Draft]], tuple[list[Plan], list[RowError]]]] = {
    "producers": plan_producers,
    "licenses": plan_licenses,
    "territories": plan_territories,
    "clients": plan_clients,
    "sources": plan_sources,
}
