"""Dependencies and helpers the roster routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from leadrouter.api.deps import require_role
from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.services.admin.agencies import Principal
from leadrouter.services.roster.licenses import verifier_name

LicenseEditor = Annotated[Principal, Depends(require_role(Role.MANAGER, Role.COMPLIANCE))]
Compliance = Annotated[Principal, Depends(require_role(Role.COMPLIANCE))]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items.")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page.")]


def license_verifier(c: Container, who: Principal) -> str | None:
    """A compliance key vouches for the licenses it writes; any other key's stay pending."""
    if who.role != Role.COMPLIANCE:
        return None
    return verifier_name(uow=c.uow(readonly=True), agency_id=who.agency_id, key_id=who.key_id)


def after(cursor: str | None) -> int | None:
    """The id a page cursor stands for."""
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise ValidationFailed(
            "cursor: not a cursor we gave out",
            errors=[FieldError("cursor", "not a cursor we gave out")],
        )
    return int(cursor)


def cursor_of(next_id: int | None) -> str | None:
    return None if next_id is None else str(next_id)
