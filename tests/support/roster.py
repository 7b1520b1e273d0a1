"""Helpers for roster tests: API keys with a given role."""

from __future__ import annotations

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import issue_key
from tests.support.factories import TestAgency


def headers_for(
    c: Container, agency: TestAgency, role: str, name: str | None = None
) -> dict[str, str]:
    """Authorization headers of a new key of ``agency`` with ``role``."""
    _, key = issue_key(
        uow=c.uow(), agency_id=agency.id, name=name or f"{role} key", now=c.clock.now(), role=role
    )
    return {"Authorization": f"Bearer {key}"}
