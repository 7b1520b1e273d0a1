"""The agency's routing policy: versioned documents in the database, newest one in force."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.routing import RoutingPolicy
from leadrouter.domain.timer_policy import TimingRules
from leadrouter.policy.load import default_policy, parse_policy, to_routing_policy
from leadrouter.policy.schema import PolicyDocument
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import policies


@dataclass(frozen=True)
class ActivePolicy:
    """A policy document with its routing and timing halves built once."""

    document: PolicyDocument
    routing: RoutingPolicy
    timing: TimingRules


class PolicyCache:
    """Parsed policies by (agency, version): a document is parsed once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_version: dict[tuple[int, int], ActivePolicy] = {}
        self._default: ActivePolicy | None = None

    def active(
        self, conn: sa.Connection, agency_id: int, *, version: int | None = None
    ) -> ActivePolicy:
        """The policy in force for the agency: its newest version, or the shipped default."""
        if version is None:
            version = current_version(conn, agency_id)
        if version == 0:
            return self._default_policy()
        key = (agency_id, version)
        with self._lock:
            cached = self._by_version.get(key)
        if cached is not None:
            return cached
        document = conn.execute(
            sa.select(policies.c.document).where(
                policies.c.agency_id == agency_id, policies.c.version == version
            )
        ).scalar_one()
        parsed = activate(PolicyDocument.model_validate(document))
        with self._lock:
            self._by_version[key] = parsed
        return parsed

    def _default_policy(self) -> ActivePolicy:
        with self._lock:
            if self._default is None:
                self._default = activate(default_policy())
            return self._default


def activate(document: PolicyDocument) -> ActivePolicy:
    """The document with its routing and timing rules built (once per version, see PolicyCache)."""
    return ActivePolicy(
        document=document,
        routing=to_routing_policy(document),
        timing=document.timing.to_domain(),
    )


_CURRENT_VERSION = sa.select(sa.func.max(policies.c.version)).where(
    policies.c.agency_id == sa.bindparam("agency_id")
)


def current_version(conn: sa.Connection, agency_id: int) -> int:
    """The version in force (0 = the shipped default)."""
    v = conn.execute(_CURRENT_VERSION, {"agency_id": agency_id}).scalar()
    return int(v or 0)


def save_policy(
    conn: sa.Connection,
    *,
    agency_id: int,
    text: str,
    fmt: Any,
    actor: str | None,
    now: datetime,
) -> PolicyDocument:
    """Validate a document and store it as the agency's next version (in the caller's tx)."""
    document = parse_policy(text, fmt)
    lock_agency(conn, agency_id)
    version = current_version(conn, agency_id) + 1
    document = document.model_copy(update={"version": version})
    conn.execute(
        policies.insert().values(
            agency_id=agency_id,
            version=version,
            document=document.model_dump(mode="json"),
            created_by=actor,
            created_at=now,
        )
    )
    return document


def policy_history(conn: sa.Connection, *, agency_id: int) -> list[dict[str, Any]]:
    """Every stored version of the agency's policy, newest first (without the documents)."""
    return [
        {"version": r.version, "created_by": r.created_by, "created_at": r.created_at}
        for r in conn.execute(
            sa.select(policies.c.version, policies.c.created_by, policies.c.created_at)
            .where(policies.c.agency_id == agency_id)
            .order_by(policies.c.version.desc())
        )
    ]
