"""Helpers for the people tests: users through the real service, sign-in through the pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.people.users import add_user

PASSWORD = "correct horse battery"


def user(
    c: Container,
    agency_id: int,
    email: str,
    role: str,
    *,
    producer_id: int | None = None,
    password: str = PASSWORD,
) -> int:
    """A user of the agency with ``PASSWORD``."""
    return add_user(
        uow=c.uow(),
        agency_id=agency_id,
        email=email,
        name=email.split("@")[0].title(),
        role=role,
        producer_id=producer_id,
        password=password,
        now=c.clock.now(),
    )


def form_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found[1]


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the sign-in page; returns where the browser is sent."""
    token = form_token(client.get("/signin").text)
    done = client.post(
        "/signin",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return str(done.headers["location"])
