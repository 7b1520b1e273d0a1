"""Abuse of the public form and of API keys (issue 9, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.store.tables import leads, outbox
from tests.support.factories import make_agency

FORM = {
    "first_name": "Bob",
    "last_name": "Burns",
    "email": "bob@example.com",
    "phone": "201-736-1742",
    "zip": "07030",
    "insurance_type": "Homeowners",
}


def _form(n: int) -> dict[str, str]:
    return {**FORM, "phone": f"201-736-{1000 + n:04d}", "email": f"p{n}@example.com"}


@pytest.fixture
def tight(db_url: str, clock: FixedClock) -> Iterator[Container]:
    settings = Settings(
        database_url=db_url,
        form_rate_per_minute=4,
        form_rate_per_client_per_minute=100,
        api_rate_per_minute=3,
    )
    c = bootstrap(settings, clock=clock)
    yield c
    c.engine.dispose()


def test_the_public_form_answers_429_with_retry_after_past_one_address_rate(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    answers = [
        client.post(f"/forms/{agency.form_key}/leads", data=_form(n)).status_code for n in range(11)
    ]

    assert answers == [202] * 10 + [429]
    refused = client.post(f"/forms/{agency.form_key}/leads", data=_form(11))
    assert refused.headers["retry-after"] == "6"
    assert refused.headers["content-type"] == "application/problem+json"
    clock.advance(timedelta(seconds=6))
    assert client.post(f"/forms/{agency.form_key}/leads", data=_form(12)).status_code == 202


def test_the_form_rate_per_form_key_holds_across_client_addresses(tight: Container) -> None:
    agency = make_agency(tight)
    app = create_app(tight)
    answers = []
    for n in range(6):
        with TestClient(app, client=(f"198.51.100.{n}", 40000)) as client:
            answers.append(client.post(f"/forms/{agency.form_key}/leads", data=_form(n)))

    assert [a.status_code for a in answers] == [202] * 4 + [429] * 2


def test_an_api_key_past_its_rate_gets_429_while_another_key_still_works(
    tight: Container,
) -> None:
    first, second = make_agency(tight, "A"), make_agency(tight, "B")
    with TestClient(create_app(tight)) as client:
        answers = [client.get("/v1/leads", headers=first.headers).status_code for _ in range(4)]
        other = client.get("/v1/leads", headers=second.headers).status_code

    assert answers == [200, 200, 200, 429]
    assert other == 200


def test_a_public_form_cannot_choose_its_source_tier_or_exclusivity(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    configured = client.patch(
        "/v1/agency/form", json={"source": "agency website"}, headers=agency.headers
    )
    assert configured.status_code == 200

    client.post(
        f"/forms/{agency.form_key}/leads",
        data={**FORM, "source": "Paid Partner", "intent_tier": "high", "exclusive": "true"},
    )

    with container.engine.connect() as conn:
        lead = conn.execute(sa.select(leads)).one()
    assert (lead.source_name, lead.intent_tier, lead.exclusive) == (
        "agency website",
        None,
        False,
    )


def test_the_honeypot_field_is_the_agencys_to_name(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    client.patch("/v1/agency/form", json={"honeypot_field": "fax_number"}, headers=agency.headers)

    client.post(f"/forms/{agency.form_key}/leads", data={**_form(1), "fax_number": "x"})
    client.post(f"/forms/{agency.form_key}/leads", data={**_form(2), "website": "ok"})

    with container.engine.connect() as conn:
        stored = list(conn.execute(sa.select(leads.c.email, leads.c.attributes)))
    assert stored == [("p2@example.com", {"website": "ok"})]


def test_a_flood_naming_one_email_address_sends_it_one_acknowledgement(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)  # no producers: every lead is queued and acknowledged
    settings = client.get("/v1/agency/settings", headers=agency.headers).json()
    client.put(
        "/v1/agency/settings", json={**settings, "dedupe_window_days": 0}, headers=agency.headers
    )
    invalid = client.post(
        f"/forms/{agency.form_key}/leads", data={**FORM, "email": "victim@example.com", "zip": "1"}
    )
    for n in range(5):
        client.post(
            f"/forms/{agency.form_key}/leads", data={**_form(n), "email": "victim@example.com"}
        )

    with container.engine.connect() as conn:
        made = conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar_one()
        acks = conn.execute(
            sa.select(outbox.c.recipient).where(outbox.c.event == "lead.acknowledged")
        ).all()
    assert invalid.status_code == 422
    assert made == 5
    assert [a.recipient for a in acks] == ["victim@example.com"]
