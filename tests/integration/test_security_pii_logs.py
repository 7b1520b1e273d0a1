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
from tests.support.factories import lead_body, make_agency

PHONE, EMAIL = "(212) 736-1742", "ada.lovelace@example.com"
SHAPES = ("212736174", "212) 736-174", "736-174", "ada.lovelace", "%40example")


@pytest.fixture
def redaction() -> Iterator[None]:
    install_redaction()
    yield
    uninstall_redaction()


def _lead(n: int) -> dict[str, Any]:
    contact = {"phone": f"(212) 736-174{2 + n}", "email": f"ada.lovelace{n}@example.com"}
    return lead_body(n, first_name="Ada", last_name=f"Lovelace{n}", **contact)


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
        ("call 212-736-1742 x12", "call [phone]"),
        ("+1 (212) 736-1742 ext. 12 or 212.736.1742", "[phone] or [phone]"),
        ("bare 2127361742, abroad +44 20 7946 0958", "bare [phone], abroad [phone]"),
        ("typed (999) 123-4567", "typed [phone]"),  # no such area code, but written as a phone
        ("('+12127361745', 3)", "('[phone]', 3)"),
        ("phone=%2B12127361742&email=eve%40example.com", "phone=%2B[phone]&email=[email]"),
        ("from 10.0.12.34 call 212.736.1742", "from 10.0.12.34 call [phone]"),  # IP, then phone
        ("not an address: 212.736.17.42", "not an address: [phone]"),  # 736 > 255
    ],
)
def test_redaction_hides_phone_numbers_however_they_are_written(line: str, shown: str) -> None:
    assert redact(line) == shown


@pytest.mark.parametrize(
    "line",
    [
        "at 2026-03-03 14:00:00 lead 1234 (lines 102-201)",
        '127.0.0.1:50432 - "GET /v1/leads/77 HTTP/1.1" 200',
        '10.0.12.34:51234 - "POST /v1/leads HTTP/1.1" 201',  # a client behind a proxy
        '203.113.105.221:443 - "GET /dashboard HTTP/1.1" 200',
        "job 1733061234 started at 1764600000123",  # epoch seconds and milliseconds
        "premium 1234567890.50 on policy 98765432101234",  # an amount, a 14-digit id
        "trace 3f2a1b4c-1234-5678-9abc-def012345678 took 1234567 us",
    ],
)
def test_redaction_leaves_dates_ids_amounts_timestamps_and_addresses(line: str) -> None:
    assert redact(line) == line
