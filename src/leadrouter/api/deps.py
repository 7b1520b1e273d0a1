"""Request dependencies: the container, the caller's principal, the clock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from leadrouter.api.ids import RowId
from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.errors import (
    Forbidden,
    LeadRouterError,
    TooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from leadrouter.services.admin.agencies import Principal, authenticate, hash_key
from leadrouter.services.people.access import may_read_lead
from leadrouter.store.agency_repo import KeyInForce

_bearer = HTTPBearer(auto_error=False, description="An agency API key: `Bearer lr_...`")


async def get_container(request: Request) -> Container:
    # async: FastAPI runs a plain function dependency in a worker thread, a hop per request.
    container: Container = request.app.state.container
    return container


def get_principal(
    container: Annotated[Container, Depends(get_container)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:  # HTTPBearer gives None for any other scheme
        raise Unauthorized("send an agency API key as 'Authorization: Bearer <key>'")
    principal = authenticate(
        uow=container.uow(readonly=True), key_hash=hash_key(credentials.credentials)
    )
    container.rate_limits.check_key(key_id=principal.key_id, now=container.clock.now().timestamp())
    return principal


@dataclass(frozen=True)
class KeyCaller:
    """The caller of a route whose own transaction confirms its API key (``key``): known
    from this process's cache of keys (``confirmed`` False) or read for this request."""

    principal: Principal
    key: KeyInForce
    confirmed: bool


async def get_key_caller(
    container: Annotated[Container, Depends(get_container)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyCaller:
    """``get_principal`` without a read of its own for a key this process knows: the route
    hands ``caller.key`` to its use case, whose first statement confirms it, and answers
    through ``confirming`` (a known key is confirmed before any other answer)."""
    if credentials is None:
        raise Unauthorized("send an agency API key as 'Authorization: Bearer <key>'")
    key_hash = hash_key(credentials.credentials)
    principal = container.keys.get(key_hash)
    confirmed = principal is None
    if principal is None:
        principal = await run_in_threadpool(
            authenticate, uow=container.uow(readonly=True), key_hash=key_hash
        )
        container.keys.remember(key_hash, principal)
    caller = KeyCaller(principal, KeyInForce(principal.key_id, key_hash), confirmed)
    async with confirming(container, caller):
        container.rate_limits.check_key(
            key_id=principal.key_id, now=container.clock.now().timestamp()
        )
    return caller


@contextlib.asynccontextmanager
async def confirming(container: Container, caller: KeyCaller) -> AsyncIterator[None]:
    """Answer for a ``caller`` as ``get_principal`` would have: a refusal of its key leaves
    the cache, and any other refusal of a key known from the cache first confirms the key
    (401, not what the request would have got, when it was revoked)."""
    try:
        yield
    except Unauthorized:
        container.keys.forget(caller.key.key_hash)
        raise
    except LeadRouterError:
        if not caller.confirmed:
            try:
                await run_in_threadpool(
                    authenticate, uow=container.uow(readonly=True), key_hash=caller.key.key_hash
                )
            except Unauthorized:
                container.keys.forget(caller.key.key_hash)
                raise
        raise


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
KeyCallerDep = Annotated[KeyCaller, Depends(get_key_caller)]
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
