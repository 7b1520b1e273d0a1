"""Web sign-in state: the session cookie, the signed-in user, CSRF checks, page errors.

The session cookie is http-only, SameSite=Lax and Secure (browsers also accept Secure
cookies from localhost). Every unsafe request of the pages must send the session's CSRF
token, as the ``csrf_token`` form field or the ``X-CSRF-Token`` header (htmx sends it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from leadrouter.api.deps import get_container
from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.errors import LeadRouterError
from leadrouter.services.people.sessions import Session, find_session, same_token

SESSION_COOKIE = "lr_session"
SIGNIN_COOKIE = "lr_signin_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STAFF = (Role.MANAGER, Role.SUPERVISOR)


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


class PageError(Exception):
    """An error shown to a person as a page (or an htmx fragment), not problem+json."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@contextmanager
def shown_as_page() -> Iterator[None]:
    """Our errors, raised inside, become error pages with the same status."""
    try:
        yield
    except LeadRouterError as exc:
        raise PageError(exc.status, exc.detail) from None


def set_cookie(
    response: Response, container: Container, name: str, value: str, *, hours: float
) -> None:
    """A cookie the pages rely on: http-only, SameSite=Lax, Secure unless configured off."""
    response.set_cookie(
        name,
        value,
        max_age=int(timedelta(hours=hours).total_seconds()),
        httponly=True,
        secure=container.settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def new_signin_token() -> str:
    """The token of the sign-in form (before any session exists): double-submitted."""
    return secrets.token_urlsafe(32)


async def _sent_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def current_session(
    request: Request, container: Annotated[Container, Depends(get_container)]
) -> Session:
    """The signed-in session; unsafe requests must carry its CSRF token (403 otherwise)."""
    token = request.cookies.get(SESSION_COOKIE)
    found = None
    if token:
        found = find_session(
            uow=container.uow(readonly=True), token=token, now=container.clock.now()
        )
    if found is None:
        raise SignInRequired()
    if request.method in UNSAFE and not same_token(await _sent_token(request), found.csrf_token):
        raise PageError(403, "This form's security token is missing or stale. Reload the page.")
    return found


def signed_in(request: Request) -> Session | None:
    """The browser's live session, or None, for a page shown outside a route's dependencies
    (an error page): a failure to read it (the database is down) is None, never a second
    error."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    container: Container = request.app.state.container
    try:
        return find_session(
            uow=container.uow(readonly=True), token=token, now=container.clock.now()
        )
    except Exception:  # the page reports the first error, not this one
        return None


def require(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency admitting signed-in users holding one of ``roles``."""

    def _check(session: Annotated[Session, Depends(current_session)]) -> Session:
        if session.user.role not in roles:
            raise PageError(403, "This page is not for your role.")
        return session

    return _check


def sign_in_url(request: Request) -> str:
    """Where to send a browser without a session: sign in, then come back here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/signin?next={quote(target, safe='')}"


SessionDep = Annotated[Session, Depends(current_session)]
StaffDep = Annotated[Session, Depends(require(*STAFF))]
ProducerDep = Annotated[Session, Depends(require(Role.PRODUCER))]
