"""The public web form: form-encoded, per-agency form key, honeypot, no API key."""

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.store.tables import leads
from tests.support.factories import make_agency

FORM: dict[str, str] = {
    "first_name": "Bob",
    "last_name": "Burns",
    "email": "bob@example.com",
    "phone": "201-736-0199",
    "zip": "07030",
    "insurance_type": "Homeowners",
    "website": "",
}


def _rows(container: Container) -> list[Any]:
    with container.engine.connect() as conn:
        return list(conn.execute(sa.select(leads)).all())


def test_a_form_post_makes_a_lead_and_keeps_unknown_fields_as_attributes(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        f"/forms/{agency.form_key}/leads",
        data={**FORM, "utm_source": "google", "exclusive": "on", "notes": ""},
    )
    assert response.status_code == 202
    assert response.json() == {"status": "received"}
    [lead] = _rows(container)
    assert (lead.agency_id, lead.phone, lead.state, lead.insurance_type) == (
        agency.id,
        "+12017360199",
        "NJ",
        "home",
    )
    assert lead.source_name == "web_form"
    assert lead.exclusive is False  # exclusivity is never the public poster's to set
    assert lead.notes is None
    assert lead.attributes == {"utm_source": "google"}


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    real = client.post(f"/forms/{agency.form_key}/leads", data=FORM)
    bot = client.post(
        f"/forms/{agency.form_key}/leads",
        data={
            **FORM,
            "email": "bot@example.com",
            "phone": "201-736-0100",
            "website": "http://spam.example",
        },
    )
    assert (bot.status_code, bot.content) == (real.status_code, real.content)
    assert [r.email for r in _rows(container)] == ["bob@example.com"]


def test_a_bot_gets_the_same_answer_even_for_garbage(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    bot = client.post(f"/forms/{agency.form_key}/leads", data={"website": "x", "zip": "?"})
    assert bot.status_code == 202
    assert _rows(container) == []


def test_a_repeat_from_the_form_answers_alike_and_makes_no_second_lead(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    first = client.post(f"/forms/{agency.form_key}/leads", data=FORM)
    again = client.post(f"/forms/{agency.form_key}/leads", data=FORM)
    assert (first.status_code, first.content) == (again.status_code, again.content)
    [lead] = _rows(container)
    assert lead.touch_count == 2


def test_bad_form_fields_get_422_naming_them(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    response = client.post(
        f"/forms/{agency.form_key}/leads", data={**FORM, "zip": "1234", "phone": ""}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["phone", "zip"]
    assert _rows(container) == []


def test_an_unknown_form_key_is_404(client: TestClient) -> None:
    response = client.post("/forms/not-a-form/leads", data=FORM)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_undecodable_form_bytes_never_make_a_500(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    for raw in (b"first_name=%FF%FE&zip=%00", b"%%%", b"a=b=c&&&", b"\xff\xfe\x00"):
        response = client.post(
            f"/forms/{agency.form_key}/leads",
            content=raw,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code in {202, 422}, (raw, response.text)
    assert _rows(container) == []


def test_with_a_thank_you_page_the_browser_is_sent_there_after_posting(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    thanks = "https://agency.example/thank-you"
    settings = client.get("/v1/agency/settings", headers=agency.headers).json()
    saved = client.put(
        "/v1/agency/settings",
        headers=agency.headers,
        json={**settings, "form_thank_you_url": thanks},
    )
    assert saved.status_code == 200, saved.text
    for data in (FORM, {**FORM, "website": "http://spam.example"}):
        response = client.post(f"/forms/{agency.form_key}/leads", data=data, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, thanks)
    assert len(_rows(container)) == 1  # the honeypot post stored nothing


def test_a_thank_you_page_must_be_a_web_address(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    settings = client.get("/v1/agency/settings", headers=agency.headers).json()
    bad = client.put(
        "/v1/agency/settings",
        headers=agency.headers,
        json={**settings, "form_thank_you_url": "javascript:alert(1)"},
    )
    assert bad.status_code == 422
    assert "form_thank_you_url" in {e["field"] for e in bad.json()["errors"]}


def test_leaving_out_the_thank_you_page_clears_it(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    put = {"form_thank_you_url": "https://agency.example/thanks"}
    assert client.put("/v1/agency/settings", headers=agency.headers, json=put).status_code == 200
    assert client.put("/v1/agency/settings", headers=agency.headers, json={}).status_code == 200
    stored = client.get("/v1/agency/settings", headers=agency.headers).json()
    assert stored["form_thank_you_url"] is None
    response = client.post(f"/forms/{agency.form_key}/leads", data=FORM, follow_redirects=False)
    assert response.status_code == 202
