"""Request dependencies: the container, the caller's principal, the clock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leadrouter.bootstrap import Container
from leadrouter.errors import Forbidden, Unauthorized
from leadrouter.services.agencies import Principal, authenticate

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
    return authenticate(uow=container.uow(readonly=True), key=credentials.credentials)


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that admits only keys holding one of ``roles``."""

    def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this needs a key with role {' or '.join(roles)}")
        return principal

    return _check


ContainerDep = Annotated[Container, Depends(get_container)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
