"""No consumer's phone number or email address reaches the logs (docs/security.md, item 9)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.server import redact_access_log
from leadrouter.bootstrap import Container
from leadrouter.logs import install_redaction, redact, uninstall_redaction
from leadrouter.services.routing import route
from tests.support.factories import make_agency

PHONE, EMAIL = "(212) 736-1742", "ada.lovelace@example.com"
SHAPES = ("212736174", "212) 736-174", "736-174", "ada.lovelace", "%40example")


@pytest.fixture
def redaction() -> Iterator[None]:
    install_redaction()
    yield
    uninstall_redaction()


def _lead(n: int) -> dict[str, Any]:
    return {
        "first_name": "Ada",
        "last_name": f"Lovelace{n}",
        "phone": f"(212) 736-174{2 + n}",
        "email": f"ada.lovelace{n}@example.com",
        "zip": "10001",
        "insurance_type": "personal_auto",
    }


def _routing_fails_quoting_the_contact(
    monkeypatch: pytest.MonkeyPatch, container: Container
) -> None:
    """Routing breaks: first with a database error over the lead's contact details (as a real
    one carries its statement's parameters), then with an error that names them outright."""
    calls = iter(range(10))

    def broken(conn: sa.Connection, *_: Any, **kw: Any) -> Any:
        row = kw["row"]
        if next(calls) == 0:
            conn.execute(
                sa.text("SELECT no_such_column FROM leads WHERE phone = :p AND email = :e"),
                {"p": row.phone, "e": row.email},
            )
        raise ValueError(f"cannot route the lead of {row.phone} <{row.email}>")

    monkeypatch.setattr(route, "route_lead_in_tx", broken)


def test_neither_phone_nor_email_reaches_the_error_or_access_logs(
    client: TestClient,
    container: Container,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    redaction: None,
) -> None:
    agency = make_agency(container)
    _routing_fails_quoting_the_contact(monkeypatch, container)
    caplog.set_level(logging.INFO)
    for n in range(2):
        answer = client.post("/v1/leads", json=_lead(n), headers=agency.headers)
        assert answer.status_code == 201, answer.text
    # The access line of a lookup by contact, as uvicorn writes it.
    redact_access_log()
    query = urlencode({"phone": "+12127361742", "email": EMAIL})
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", f"/v1/leads?{query}", "1.1", 200
    )

    text = caplog.text
    assert text.count("routing a new lead failed") == 2, "the error path was not taken"
    assert "no_such_column" in text and "cannot route the lead of [phone] <[email]>" in text
    assert "GET /v1/leads?[redacted]" in text
    for shape in SHAPES:
        assert shape not in text


def test_database_errors_do_not_quote_their_parameters(container: Container) -> None:
    with container.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as raised:
        conn.execute(sa.text("SELECT no_such_column FROM leads WHERE phone = :p"), {"p": PHONE})
    assert PHONE not in str(raised.value)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("lead of +12127361742 <eve@example.com>", "lead of [phone] <[email]>"),
        ("call 212-736-1742 x12", "call [phone] x12"),
        ("at 2026-03-03 14:00:00 lead 1234 (lines 102-201)", None),
        ('127.0.0.1:50432 - "GET /v1/leads/77 HTTP/1.1" 200', None),
    ],
)
def test_redaction_takes_contacts_and_leaves_dates_ids_and_addresses(
    line: str, shown: str | None
) -> None:
    assert redact(line) == (shown or line)
