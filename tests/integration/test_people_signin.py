"""Signing in to the pages: argon2 passwords, sessions in cookies, CSRF, lockout, sign-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.people.users import disable_user, set_password
from leadrouter.store.tables import users
from tests.support.factories import make_agency, make_producer
from tests.support.people import PASSWORD, form_token, sign_in, user


@pytest.fixture
def web(container: Container) -> Iterator[TestClient]:
    """A browser-like client on https, so the Secure session cookie travels."""
    with TestClient(create_app(container), base_url="https://testserver") as test_client:
        yield test_client


def _post_signin(web: TestClient, email: str, password: str) -> int:
    token = form_token(web.get("/signin").text)
    response = web.post(
        "/signin",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def test_each_role_signs_in_and_lands_on_its_own_page(
    container: Container, web: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    user(c, agency.id, "boss@agency.example", "manager")
    user(c, agency.id, "lead@agency.example", "supervisor")
    user(c, agency.id, "alice@agency.example", "producer", producer_id=alice)
    user(c, agency.id, "audit@agency.example", "compliance")
    landings = {}
    for email in ("boss", "lead", "alice", "audit"):
        web.cookies.clear()
        landings[email] = sign_in(web, f"{email}@agency.example")
    assert landings == {
        "boss": "/dashboard",
        "lead": "/dashboard",
        "alice": "/portal",
        "audit": "/compliance",
    }


def test_the_session_cookie_is_http_only_secure_and_same_site(
    container: Container, web: TestClient
) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    token = form_token(web.get("/signin").text)
    done = web.post(
        "/signin",
        data={"email": "Boss@Agency.example", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("lr_session="))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes


def test_passwords_are_stored_as_argon2_hashes_never_as_given(container: Container) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    with container.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_wrong_password_is_refused_with_the_form_again(
    container: Container, web: TestClient
) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    assert _post_signin(web, "boss@agency.example", "not the password") == 401
    assert _post_signin(web, "nobody@agency.example", PASSWORD) == 401
    assert "lr_session" not in web.cookies
    assert web.get("/dashboard", follow_redirects=False).headers["location"].startswith("/signin")


def test_five_failures_lock_the_account_for_fifteen_minutes_even_against_the_right_password(
    container: Container, web: TestClient, clock: FixedClock
) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    for _ in range(5):
        assert _post_signin(web, "boss@agency.example", "guess guess") == 401
    assert _post_signin(web, "boss@agency.example", PASSWORD) == 401
    clock.advance(timedelta(minutes=14))
    assert _post_signin(web, "boss@agency.example", PASSWORD) == 401
    clock.advance(timedelta(minutes=1))
    assert _post_signin(web, "boss@agency.example", PASSWORD) == 303


def test_four_failures_then_a_success_start_the_count_again(
    container: Container, web: TestClient
) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    for _ in range(4):
        assert _post_signin(web, "boss@agency.example", "guess guess") == 401
    assert _post_signin(web, "boss@agency.example", PASSWORD) == 303
    web.cookies.clear()
    for _ in range(4):
        assert _post_signin(web, "boss@agency.example", "guess guess") == 401
    assert _post_signin(web, "boss@agency.example", PASSWORD) == 303


def test_form_posts_without_the_sessions_csrf_token_are_refused(
    container: Container, web: TestClient
) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    no_token = web.post(
        "/signin",
        data={"email": "boss@agency.example", "password": PASSWORD},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    assert "lr_session" not in web.cookies

    sign_in(web, "boss@agency.example")
    for data in ({}, {"csrf_token": "forged"}):
        refused = web.post("/signout", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert "security token" in refused.text
    assert web.get("/dashboard", follow_redirects=False).status_code == 200


def test_signing_out_ends_the_session_for_good(container: Container, web: TestClient) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    sign_in(web, "boss@agency.example")
    old = web.cookies["lr_session"]
    token = form_token(web.get("/dashboard").text)
    out = web.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/signin")
    web.cookies.clear()
    web.cookies.set("lr_session", old)  # a copy of the cookie kept from before signing out
    replay = web.get("/dashboard", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/signin")


def test_disabling_a_user_or_changing_the_password_ends_their_sessions(
    container: Container, web: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    user(c, agency.id, "boss@agency.example", "manager")
    sign_in(web, "boss@agency.example")
    set_password(
        uow=c.uow(),
        agency_id=agency.id,
        email="boss@agency.example",
        password="a new passphrase",
        now=c.clock.now(),
    )
    assert web.get("/dashboard", follow_redirects=False).status_code == 303
    assert _post_signin(web, "boss@agency.example", PASSWORD) == 401
    sign_in(web, "boss@agency.example", "a new passphrase")
    disable_user(uow=c.uow(), agency_id=agency.id, email="boss@agency.example", now=c.clock.now())
    assert web.get("/dashboard", follow_redirects=False).status_code == 303
    assert _post_signin(web, "boss@agency.example", "a new passphrase") == 401


def test_sign_in_returns_only_to_our_own_pages(container: Container, web: TestClient) -> None:
    agency = make_agency(container)
    user(container, agency.id, "boss@agency.example", "manager")
    for target, landing in (("//evil.example/x", "/dashboard"), ("/portal", "/portal")):
        web.cookies.clear()
        token = form_token(web.get(f"/signin?next={target}").text)
        done = web.post(
            "/signin",
            data={
                "email": "boss@agency.example",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert done.headers["location"] == landing


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(
    container: Container, web: TestClient
) -> None:
    page = web.get("/dashboard", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/signin?next=%2Fdashboard")
    fragment = web.get("/dashboard", headers={"HX-Request": "true"}, follow_redirects=False)
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/signin")
