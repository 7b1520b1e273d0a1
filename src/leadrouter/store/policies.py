"""The ``policies`` table: each agency's routing policy documents, one row a version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.tables import policies

_CURRENT_VERSION = sa.select(sa.func.max(policies.c.version)).where(
    policies.c.agency_id == sa.bindparam("agency_id")
)


def current_version(conn: sa.Connection, agency_id: int) -> int:
    """The version in force (0 = the shipped default)."""
    v = conn.execute(_CURRENT_VERSION, {"agency_id": agency_id}).scalar()
    return int(v or 0)


def has_version(conn: sa.Connection, agency_id: int, version: int) -> bool:
    """Whether the agency stored ``version`` (0, the shipped default, is always there)."""
    if version == 0:
        return True
    found = sa.select(policies.c.id).where(
        policies.c.agency_id == agency_id, policies.c.version == version
    )
    return conn.execute(found.limit(1)).first() is not None


def document_of(conn: sa.Connection, agency_id: int, version: int) -> dict[str, Any]:
    """The stored document of one version."""
    return dict(
        conn.execute(
            sa.select(policies.c.document).where(
                policies.c.agency_id == agency_id, policies.c.version == version
            )
        ).scalar_one()
    )


def add_version(
    conn: sa.Connection,
    *,
    agency_id: int,
    version: int,
    document: dict[str, Any],
    actor: str | None,
    now: datetime,
) -> None:
    """Store ``document`` as the agency's ``version`` (the caller holds the agency lock)."""
    conn.execute(
        policies.insert().values(
            agency_id=agency_id,
            version=version,
            document=document,
            created_by=actor,
            created_at=now,
        )
    )


def history_query(agency_id: int) -> sa.Select[Any]:
    """The agency's stored versions without their documents (page it newest first)."""
    return sa.select(
        policies.c.id, policies.c.version, policies.c.created_by, policies.c.created_at
    ).where(policies.c.agency_id == agency_id)
