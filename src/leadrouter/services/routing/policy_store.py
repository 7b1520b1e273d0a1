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
from leadrouter.store.policies import add_version, current_version, document_of


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
        parsed = activate(PolicyDocument.model_validate(document_of(conn, agency_id, version)))
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
    add_version(
        conn,
        agency_id=agency_id,
        version=version,
        document=document.model_dump(mode="json"),
        actor=actor,
        now=now,
    )
    return document
