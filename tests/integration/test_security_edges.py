"""Data right at the edges: zones, failing timers, phones, names (issue 9, item 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadrouter.bootstrap import Container
from leadrouter.cli import app
from leadrouter.clock import FixedClock
from leadrouter.notify.email import SmtpEmail
from leadrouter.notify.outbox import message_of
from leadrouter.services.timers import state as timer_state
from leadrouter.services.timers.step import PARK_AFTER, RETRY_AFTER
from leadrouter.store.tables import assignments, leads, outbox
from tests.support.factories import make_agency, make_producer
from tests.support.factories import make_lead as new_lead
from tests.support.time_engine import step, timer_messages

LEAD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "zip": "10001",
    "insurance_type": "personal_auto",
}


def _post(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    return client.post("/v1/leads", json={**LEAD, **fields}, headers=headers)


def _stored(container: Container, *columns: str) -> Any:
    with container.engine.connect() as conn:
        return conn.execute(sa.select(*(leads.c[c] for c in columns))).one()


def test_a_phone_extension_is_kept_in_its_own_field(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)

    made = _post(client, agency.headers, phone="212-736-1742 x12")

    assert made.status_code == 201, made.text
    assert tuple(_stored(container, "phone", "phone_extension")) == ("+12127361742", "12")


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("212-555-0123", "is a fictional number"),
        ("(201) 555-0199", "is a fictional number"),
        ("1-900-736-1742", "is a premium-rate number"),
        ("212-976-1742", "is a premium-rate number"),
        ("+44 20 7946 0958", "is not a US or North American (+1) number (GB, +44)"),
        ("+49 30 901820", "is not a US or North American (+1) number (DE, +49)"),
        ("+81 3-3224-8111", "is not a US or North American (+1) number (JP, +81)"),
    ],
)
def test_numbers_abroad_fictional_or_premium_rate_are_refused_with_the_reason(
    client: TestClient, container: Container, phone: str, reason: str
) -> None:
    agency = make_agency(container)

    refused = _post(client, agency.headers, phone=phone)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error["field"] == "phone" and error["reason"].startswith(reason)
    with container.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar() == 0


@pytest.mark.parametrize(
    ("phone", "e164"), [("+1 416 736 1742", "+14167361742"), ("787-736-1742", "+17877361742")]
)
def test_north_american_numbers_outside_the_states_are_taken(
    client: TestClient, container: Container, phone: str, e164: str
) -> None:
    agency = make_agency(container)

    made = _post(client, agency.headers, phone=phone)

    assert made.status_code == 201, made.text
    assert _stored(container, "phone")[0] == e164


def test_control_characters_are_stripped_from_names_and_never_reach_an_email_header(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    make_producer(
        container, agency.id, 1, licensed_in=("NY",)
    )  # the lead is assigned: its producer is emailed

    made = _post(
        client,
        agency.headers,
        phone="212-736-1742",
        first_name="Eve\r\nBcc: victim@example.com",
        last_name="Tab\tbed\u202e",
    )

    assert made.status_code == 201, made.text
    first, last = _stored(container, "first_name", "last_name")
    assert (first, last) == ("Eve Bcc: victim@example.com", "Tab bed")
    with container.engine.connect() as conn:
        row = conn.execute(
            sa.select(outbox).where(outbox.c.channel == "email", outbox.c.event == "lead.assigned")
        ).one()
    message = replace(message_of(row), attempts=1)
    email = SmtpEmail(host="127.0.0.1", port=1, sender="leads@acme.example").compose(
        message, container.clock.now()
    )
    assert "\n" not in email["Subject"] and email["Bcc"] is None


def test_a_lead_whose_stored_zone_zoneinfo_refuses_still_gets_its_timers(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = new_lead(c, agency.id, 1)
    with c.engine.begin() as conn:  # as leads from the bad Alaska ZIP were stored
        conn.execute(leads.update().where(leads.c.id == lead).values(timezone="Napakiak"))

    clock.advance(timedelta(minutes=16))
    run = step(c)

    assert run.failed == 0
    assert any(key.startswith("esc:") for key, *_ in timer_messages(c, lead))


def test_a_timer_row_that_keeps_failing_is_parked_with_an_alert_and_others_go_on(
    container: Container, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = container
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    broken, fine = new_lead(c, agency.id, 1), new_lead(c, agency.id, 2)
    real_state_of = timer_state.state_of

    def failing_for_one(row: Any, lead: Any, tz: str) -> Any:
        if row.lead_id == broken:
            raise RuntimeError("a row this code cannot handle")
        return real_state_of(row, lead, tz)

    monkeypatch.setattr(timer_state, "state_of", failing_for_one)
    clock.advance(timedelta(minutes=16))
    failures = []
    for _ in range(PARK_AFTER + 2):
        failures.append(step(c).failed)
        clock.advance(RETRY_AFTER)

    assert failures == [1] * PARK_AFTER + [0, 0]
    with c.engine.connect() as conn:
        parked = conn.execute(
            sa.select(assignments.c.next_due_at, assignments.c.timer_failures).where(
                assignments.c.lead_id == broken
            )
        ).one()
        alerted = conn.execute(
            sa.select(outbox.c.payload["lead_id"].as_integer(), outbox.c.recipient).where(
                outbox.c.channel == "inapp", outbox.c.event == "timer.parked"
            )
        ).all()
    assert tuple(parked) == (None, PARK_AFTER)
    assert [tuple(a) for a in alerted] == [(broken, "role:manager")]
    assert any(key.startswith("esc:") for key, *_ in timer_messages(c, fine))
    assert not any(key.startswith("esc:") for key, *_ in timer_messages(c, broken))


def test_a_registry_report_with_unreadable_records_exits_non_zero_with_the_count(
    container: Container, tmp_path: Path
) -> None:
    from tests.unit.test_security_registry_pdb import PDB

    make_agency(container)
    broken = PDB.replace(b'date_issue_license_orig="01/02/2021"', b'date_issue_license_orig="?"')
    report = tmp_path / "pdb.xml"
    report.write_bytes(broken)
    runner = CliRunner(
        env={"LEADROUTER_DATABASE_URL": container.settings.database_url, "COLUMNS": "250"}
    )

    result = runner.invoke(app, ["licenses", "reconcile", str(report)])

    assert result.exit_code == 4, result.output
    assert "1 record(s) of the report could not be read" in result.output
