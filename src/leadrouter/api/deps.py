"""Request dependencies: the container, the caller's principal, the clock."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leadrouter.api.ids import RowId
from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.errors import Forbidden, TooLarge, Unauthorized, UnsupportedMediaType
from leadrouter.services.admin.agencies import Principal, authenticate
from leadrouter.services.people.access import may_read_lead

_bearer = HTTPBearer(auto_error=False, description="An agency API key: `Bearer lr_...`")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_principal(
    container: Annotated[Container, Depends(get_container)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:  # HTTPBearer gives None for any other scheme
        raise Unauthorized("send an agency API key as 'Authorization: Bearer <key>'")
    principal = authenticate(uow=container.uow(readonly=True), key=credentials.credentials)
    container.rate_limits.check_key(key_id=principal.key_id, now=container.clock.now().timestamp())
    return principal


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that admits only keys holding one of ``roles``."""

    def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this needs a key with role {' or '.join(roles)}")
        return principal

    return _check


MAX_UPLOAD_BYTES = 20 * 1024 * 1024


async def read_upload(request: Request, media: Collection[str], what: str) -> tuple[str, bytes]:
    """The media type and body of an uploaded file (``what``: "the CSV file"), checked
    against the accepted ``media`` types and the size limit before and after reading."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given not in media:
        accepted = ", ".join(sorted(media))
        raise UnsupportedMediaType(f"send {what} as one of {accepted}, not {given or 'nothing'}")
    too_large = f"{what} may have at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES:
        raise TooLarge(too_large)
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(too_large)
    return given, data


ContainerDep = Annotated[Container, Depends(get_container)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ManagerDep = Annotated[Principal, Depends(require_role(Role.MANAGER))]


def readable_lead(lead_id: RowId, container: ContainerDep, principal: PrincipalDep) -> int:
    """The path's lead id, once the caller may read that lead: a key bound to a producer
    reads only that producer's leads (another's is 404, as a lead of another agency is)."""
    may_read_lead(
        principal, uow=container.uow(readonly=True), agency_id=principal.agency_id, lead_id=lead_id
    )
    return lead_id


# A lead of the path that the caller may read.
ReadableLeadId = Annotated[int, Depends(readable_lead)]
