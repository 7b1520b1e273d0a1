"""Sign in, sign out, and the home page that sends each role to its own page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadrouter.api.deps import ContainerDep
from leadrouter.domain.model import Role
from leadrouter.services.people import sessions
from leadrouter.services.people.users import verify_sign_in
from leadrouter.web.session import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    STAFF,
    PageError,
    SessionDep,
    new_signin_token,
    set_cookie,
)
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)
FAILED = "That email and password do not match an active account, or it is locked for now."


def home_of(role: str) -> str:
    """The page a role starts on."""
    if role in STAFF:
        return "/dashboard"
    if role == Role.PRODUCER:
        return "/portal"
    return "/compliance"


def _safe_next(target: str | None) -> str | None:
    # Only our own paths: an open redirect would hand a phishing page our sign-in.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _signin_form(
    request: Request, container: ContainerDep, *, error: str | None, next_: str | None, status: int
) -> HTMLResponse:
    token = new_signin_token()
    response = page(
        request,
        "signin.html",
        {"csrf": token, "error": error, "next": _safe_next(next_) or ""},
        status=status,
    )
    set_cookie(response, container, SIGNIN_COOKIE, token, hours=1)
    return response


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, container: ContainerDep, next: str | None = None) -> Response:
    """The sign-in page."""
    return _signin_form(request, container, error=None, next_=next, status=200)


@router.post("/signin")
def signin(
    request: Request,
    container: ContainerDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password; on success start a session and go to the role's page."""
    if not sessions.same_token(request.cookies.get(SIGNIN_COOKIE), csrf_token):
        raise PageError(403, "This form's security token is missing or stale. Reload the page.")
    now = container.clock.now()
    user = verify_sign_in(uow=container.uow(), email=email, password=password, now=now)
    if user is None:
        return _signin_form(request, container, error=FAILED, next_=next, status=401)
    hours = container.settings.session_hours
    token = sessions.start_session(
        uow=container.uow(), user=user, lifetime=timedelta(hours=hours), now=now
    )
    response = RedirectResponse(_safe_next(next) or home_of(user.role), status_code=303)
    set_cookie(response, container, SESSION_COOKIE, token, hours=hours)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, container: ContainerDep, session: SessionDep) -> Response:
    """End the session (CSRF-checked like every form) and go back to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE, "")
    sessions.end_session(uow=container.uow(), token=token, now=container.clock.now())
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(session: SessionDep) -> Response:
    """Each role's own page."""
    return RedirectResponse(home_of(session.user.role), status_code=303)
