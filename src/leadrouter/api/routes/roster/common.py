"""Dependencies and helpers the roster routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from leadrouter.api.deps import require_role
from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.services.admin.agencies import Principal
from leadrouter.services.roster.licenses import verifier_name

LicenseEditor = Annotated[Principal, Depends(require_role(Role.MANAGER, Role.COMPLIANCE))]
Compliance = Annotated[Principal, Depends(require_role(Role.COMPLIANCE))]


def license_verifier(c: Container, who: Principal) -> str | None:
    """A compliance key vouches for the licenses it writes; any other key's stay pending."""
    if who.role != Role.COMPLIANCE:
        return None
    return verifier_name(uow=c.uow(readonly=True), agency_id=who.agency_id, key_id=who.key_id)
