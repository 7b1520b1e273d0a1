"""An agency's intake settings: dedupe window, required fields, insurance type overrides."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.insurance import InsuranceType
from leadrouter.errors import NotFound, Unauthorized
from leadrouter.intake import insurance_types
from leadrouter.intake.settings import IntakeSettings, from_agency_settings, required_for_source
from leadrouter.store import locks
from leadrouter.store.agency_repo import AgencyInfo, KeyInForce, key_in_force, key_params
from leadrouter.store.prepared import per_shape
from leadrouter.store.tables import agencies, lead_sources
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class IntakeContext:
    """What intake of one lead needs to know about its agency and source."""

    settings: IntakeSettings
    required: frozenset[str]
    types: Mapping[str, InsuranceType]
    source_id: int | None
    agency: AgencyInfo | None = None  # name, zone and settings, for routing in the same tx


def get_intake_settings(*, uow: UnitOfWork, agency_id: int) -> IntakeSettings:
    """The agency's intake settings (defaults for what it never set)."""
    with uow:
        return from_agency_settings(_settings_doc(uow.conn, agency_id))


def update_intake_settings(
    *, uow: UnitOfWork, agency_id: int, settings: IntakeSettings
) -> IntakeSettings:
    """Replace the agency's intake settings whole (absent ones back to their defaults; the
    agency's other settings are kept)."""
    with uow:
        current = _settings_doc(uow.conn, agency_id, for_update=True)
        stored = {**current, **settings.model_dump(mode="json")}
        uow.conn.execute(
            agencies.update().where(agencies.c.id == agency_id).values(settings=stored)
        )
        uow.commit()
    return settings


def accepted_types(*, uow: UnitOfWork, agency_id: int) -> Mapping[str, InsuranceType]:
    """Every insurance type the agency accepts, by code."""
    return insurance_types.catalog(
        get_intake_settings(uow=uow, agency_id=agency_id).insurance_types
    )


def intake_context(
    conn: sa.Connection,
    *,
    agency_id: int,
    source: Any,
    lock: Sequence[str] = (),
    caller_key: KeyInForce | None = None,
) -> IntakeContext:
    """The agency's settings and the named lead source's rules, in one query; on PostgreSQL
    that query also takes the named locks in ``lock`` (held until the transaction ends).
    ``caller_key``: the same query confirms the request's API key is still in force
    (Unauthorized if it is not), so the caller may have known it from a cache."""
    name = source.strip() if isinstance(source, str) and source.strip() else None
    params: dict[str, Any] = {"agency_id": agency_id, "source": name}
    taken = locks.lock_params(lock) if conn.dialect.name == "postgresql" else {}
    if caller_key is not None:
        params |= key_params(caller_key)
    query = _prepared_context_query(bool(name), len(taken), caller_key is not None)
    row = query.first(conn, {**params, **taken})
    if caller_key is not None and (row is None or not row.key_in_force):
        raise Unauthorized("unknown or revoked API key")
    if row is None:
        raise NotFound(f"agency {agency_id} does not exist")
    settings = from_agency_settings(row.settings)
    source_id = row.id if name else None
    return IntakeContext(
        settings=settings,
        required=required_for_source(settings, row.required_fields if name else None),
        types=insurance_types.catalog(settings.insurance_types),
        source_id=source_id,
        agency=AgencyInfo(
            row.name, row.timezone, dict(row.settings or {}), int(row.webhooks_version)
        ),
    )


@functools.cache
def _context_query(with_source: bool, locks_taken: int, with_key: bool) -> sa.Select[Any]:
    """The agency (and source) read, built once per shape."""
    columns: list[Any] = [
        agencies.c.settings,
        agencies.c.name,
        agencies.c.timezone,
        agencies.c.webhooks_version,
    ]
    if with_key:
        columns.append(key_in_force(agencies.c.id).label("key_in_force"))
    columns += locks.lock_columns(locks_taken)
    if not with_source:
        return sa.select(*columns).where(agencies.c.id == sa.bindparam("agency_id"))
    return (
        sa.select(*columns, lead_sources.c.id, lead_sources.c.required_fields)
        .select_from(
            agencies.outerjoin(
                lead_sources,
                sa.and_(
                    lead_sources.c.agency_id == agencies.c.id,
                    lead_sources.c.name == sa.bindparam("source"),
                ),
            )
        )
        .where(agencies.c.id == sa.bindparam("agency_id"))
    )


_prepared_context_query = per_shape(_context_query)


def _settings_doc(
    conn: sa.Connection, agency_id: int, *, for_update: bool = False
) -> dict[str, Any]:
    query = sa.select(agencies.c.settings).where(agencies.c.id == agency_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return dict(row.settings or {})
