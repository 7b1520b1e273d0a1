"""Producer licenses. One typed in by hand stays pending until compliance verifies it.

``verifier`` is who vouches for the license (a compliance officer's key, a registry); when
it is None a new or widened license is recorded unverified, and the license gate ignores it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LicenseStatus
from leadrouter.errors import Conflict, NotFound
from leadrouter.paging import Page, page, where_given
from leadrouter.roster.specs import LicenseSpec
from leadrouter.services.roster.common import (
    check,
    check_producer_refs,
    clash,
    conflicts_as,
    fail_if,
    fetch,
    merged,
    remove_row,
)
from leadrouter.store.roster_records import LicenseRecord, license_record
from leadrouter.store.roster_repo import bump_roster_version, license_spec, license_values
from leadrouter.store.tables import api_keys, licenses
from leadrouter.store.uow import UnitOfWork

_DUPLICATE = "this producer already has a license with this state and number"


def verification(verifier: str | None, now: datetime) -> dict[str, Any]:
    """The verification columns for a license vouched for by ``verifier`` (or pending)."""
    return {"verified_at": now if verifier else None, "verified_by": verifier}


def narrows_only(before: LicenseSpec, after: LicenseSpec) -> bool:
    """True when a change can only take authority away (a status leaving 'active')."""
    same_otherwise = before == dataclasses.replace(after, status=before.status)
    return same_otherwise and (after == before or after.status != LicenseStatus.ACTIVE)


def verification_after(
    before: LicenseSpec | None, after: LicenseSpec, verifier: str | None, now: datetime
) -> dict[str, Any]:
    """The verification columns a write of ``after`` sets (``before`` None: a new license).

    Vouched for by ``verifier`` when given; otherwise a new license, or a change that could
    grant more, is pending; a change that can only take authority away keeps the verification.
    """
    if before is None or verifier is not None or not narrows_only(before, after):
        return verification(verifier, now)
    return {}


def license_clash(
    conn: sa.Connection, agency_id: int, spec: LicenseSpec, self_id: int | None
) -> int | None:
    """Another license of the producer with the same state and number, if there is one."""
    return clash(
        conn,
        licenses,
        agency_id,
        self_id,
        licenses.c.producer_id == spec.producer_id,
        licenses.c.state == spec.state,
        licenses.c.number == spec.number,
    )


def _checked(conn: sa.Connection, agency_id: int, spec: LicenseSpec, self_id: int | None) -> None:
    check(spec, "license")
    fail_if(check_producer_refs(conn, agency_id, {"producer_id": spec.producer_id}), "license")
    other = license_clash(conn, agency_id, spec, self_id)
    if other is not None:
        raise Conflict(f"{_DUPLICATE} (license {other})")


def create_license(
    *,
    uow: UnitOfWork,
    agency_id: int,
    spec: LicenseSpec,
    now: datetime,
    verifier: str | None = None,
    source: str = "api",
) -> LicenseRecord:
    """Record a producer's license: verified by ``verifier``, or pending when None."""
    with uow:
        conn = uow.conn
        _checked(conn, agency_id, spec, None)
        with conflicts_as(_DUPLICATE):
            new_id = conn.execute(
                licenses.insert()
                .values(
                    agency_id=agency_id,
                    source=source,
                    created_at=now,
                    **license_values(spec),
                    **verification_after(None, spec, verifier, now),
                )
                .returning(licenses.c.id)
            ).scalar_one()
        bump_roster_version(conn, agency_id)
        record = license_record(fetch(conn, licenses, agency_id, new_id, "license"))
        uow.commit()
    return record


def update_license(
    *,
    uow: UnitOfWork,
    agency_id: int,
    license_id: int,
    changes: Mapping[str, Any],
    now: datetime,
    verifier: str | None = None,
) -> LicenseRecord:
    """Change a license; a change that could grant more makes it pending again, unless
    ``verifier`` vouches for the result."""
    with uow:
        conn = uow.conn
        current = fetch(conn, licenses, agency_id, license_id, "license")
        before = license_spec(current)
        spec = merged(before, changes)
        _checked(conn, agency_id, spec, license_id)
        values = license_values(spec) | verification_after(before, spec, verifier, now)
        with conflicts_as(_DUPLICATE):
            conn.execute(licenses.update().where(licenses.c.id == license_id).values(**values))
        bump_roster_version(conn, agency_id)
        record = license_record(fetch(conn, licenses, agency_id, license_id, "license"))
        uow.commit()
    return record


def verify_license(
    *, uow: UnitOfWork, agency_id: int, license_id: int, verifier: str, now: datetime
) -> LicenseRecord:
    """Record that ``verifier`` checked the license at ``now``; from then on it counts."""
    with uow:
        conn = uow.conn
        fetch(conn, licenses, agency_id, license_id, "license")
        conn.execute(
            licenses.update()
            .where(licenses.c.id == license_id)
            .values(**verification(verifier, now))
        )
        bump_roster_version(conn, agency_id)
        record = license_record(fetch(conn, licenses, agency_id, license_id, "license"))
        uow.commit()
    return record


def get_license(*, uow: UnitOfWork, agency_id: int, license_id: int) -> LicenseRecord:
    """One license of the agency."""
    with uow:
        return license_record(fetch(uow.conn, licenses, agency_id, license_id, "license"))


def list_licenses(
    *,
    uow: UnitOfWork,
    agency_id: int,
    producer_id: int | None = None,
    state: str | None = None,
    status: str | None = None,
    verified: bool | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[LicenseRecord]:
    """The agency's licenses in id order, optionally filtered."""
    query = sa.select(licenses).where(licenses.c.agency_id == agency_id)
    query = where_given(
        query,
        (licenses.c.producer_id, producer_id),
        (licenses.c.state, state),
        (licenses.c.status, status),
    )
    if verified is not None:
        query = query.where(
            licenses.c.verified_at.is_not(None) if verified else licenses.c.verified_at.is_(None)
        )
    with uow:
        return page(
            uow.conn,
            query,
            licenses,
            kind="license",
            cursor=cursor,
            limit=limit,
            build=license_record,
        )


def delete_license(*, uow: UnitOfWork, agency_id: int, license_id: int) -> None:
    """Remove a license; refused once decisions relied on it (set its status instead)."""
    remove_row(
        uow=uow,
        table=licenses,
        agency_id=agency_id,
        row_id=license_id,
        noun="license",
        in_use=f"license {license_id} is part of the record; set its status instead",
        routing_reads_it=True,
    )


def verifier_name(*, uow: UnitOfWork, agency_id: int, key_id: int) -> str:
    """How a verification by this API key is recorded: the key's name and id."""
    with uow:
        name = uow.conn.execute(
            sa.select(api_keys.c.name).where(
                api_keys.c.id == key_id, api_keys.c.agency_id == agency_id
            )
        ).scalar()
    if name is None:
        raise NotFound(f"API key {key_id} does not exist")
    return f"{name} (key {key_id})"
