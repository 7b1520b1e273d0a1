"""The intake + routing hot path: one transaction, nothing re-read, caches that follow changes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.store import prepared
from leadrouter.store.audit import verify_chain
from leadrouter.store.tables import lead_status_changes, outbox
from tests.support.factories import lead_body


def lead(n: int) -> dict[str, Any]:
    return lead_body(
        n,
        first_name="Hot",
        last_name=f"Path{n}",
        email=f"hot.path{n}@example.com",
        phone=f"(212) 300-{n:04d}",
        insurance_type="home",
    )


def webhook_events(container: Container) -> list[tuple[str, str]]:
    with container.uow(readonly=True) as uow:
        return [
            (r.event, r.recipient)
            for r in uow.conn.execute(
                sa.select(outbox.c.event, outbox.c.recipient)
                .where(outbox.c.channel == "webhook")
                .order_by(outbox.c.id)
            )
        ]


def test_an_endpoint_added_between_two_leads_hears_the_second_one(
    client: TestClient, container: Container
) -> None:
    agency = load_synthetic_agency(container, producers=2)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    assert client.post("/v1/leads", headers=headers, json=lead(1)).status_code == 201
    assert webhook_events(container) == []

    created = client.post(
        "/v1/webhook-endpoints",
        headers=headers,
        json={"url": "https://example.com/hook", "events": ["lead.created", "lead.assigned"]},
    )
    assert created.status_code == 201, created.text
    second = client.post("/v1/leads", headers=headers, json=lead(2))
    endpoint = str(created.json()["id"])
    assert webhook_events(container) == [("lead.created", endpoint), ("lead.assigned", endpoint)]

    client.patch(
        f"/v1/webhook-endpoints/{endpoint}", headers=headers, json={"events": ["lead.created"]}
    )
    client.post("/v1/leads", headers=headers, json=lead(3))
    assert webhook_events(container)[2:] == [("lead.created", endpoint)]
    assert second.json()["status"] == "assigned"


def test_an_assigned_lead_answers_with_what_it_became_and_its_history_and_chain_hold(
    client: TestClient, container: Container
) -> None:
    agency = load_synthetic_agency(container, producers=3)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    answers = [client.post("/v1/leads", headers=headers, json=lead(n)).json() for n in range(6)]

    for answer in answers:
        stored = client.get(f"/v1/leads/{answer['id']}", headers=headers).json()
        assert answer["status"] == "assigned"
        assert {k: v for k, v in stored.items() if k != "status_history"} == answer
        assert [h["status"] for h in stored["status_history"]] == ["new", "assigned"]
    with container.uow(readonly=True) as uow:
        assert verify_chain(uow.conn, agency_id=agency.agency_id) is None
        changes = uow.conn.execute(sa.select(sa.func.count()).select_from(lead_status_changes))
        assert changes.scalar_one() == 12
    assert len({a["owner_id"] for a in answers}) == 3


def test_after_warm_up_no_statement_of_a_post_is_compiled_again(
    client: TestClient,
    container: Container,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agency = load_synthetic_agency(container, producers=5)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    for n in range(8):  # every shape of every statement once (first leads seed the rotation)
        assert client.post("/v1/leads", headers=headers, json=lead(n)).status_code == 201

    # SQLAlchemy logs each statement with "[generated in ...]" when it compiles it, "[no key"
    # when it cannot cache it at all, "[cached since ...]" when it reuses the compiled form;
    # the statements handed to the driver directly (``store.prepared``) compile in _compile.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine.Engine")
    compiles: list[Any] = []
    real_compile = prepared._compile

    def counted(*args: Any) -> Any:
        compiles.append(args)
        return real_compile(*args)

    monkeypatch.setattr(prepared, "_compile", counted)
    sent: list[str] = []
    sa.event.listen(container.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    answers = [client.post("/v1/leads", headers=headers, json=lead(n)) for n in range(8, 14)]

    assert [a.json()["status"] for a in answers] == ["assigned"] * 6
    executed = [r.getMessage() for r in caplog.records if r.name == "sqlalchemy.engine.Engine"]
    compiled = [m for m in executed if "[generated in" in m or "[no key" in m]
    assert compiled == []
    assert compiles == []
    assert len(sent) >= 6 * 5  # every statement of every post, whichever way it went


def test_an_assigned_lead_writes_its_two_status_rows_in_one_statement(
    client: TestClient, container: Container
) -> None:
    agency = load_synthetic_agency(container, producers=3)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    client.post("/v1/leads", headers=headers, json=lead(1))
    written: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO lead_status_changes"):
            written.append(len(parameters) if isinstance(parameters, list) else 1)

    sa.event.listen(container.engine, "before_cursor_execute", count)
    try:
        answer = client.post("/v1/leads", headers=headers, json=lead(2)).json()
    finally:
        sa.event.remove(container.engine, "before_cursor_execute", count)

    assert answer["status"] == "assigned"
    # SQLite: "new" and "assigned" in one executemany; PostgreSQL: each in the statement that
    # writes the lead, then the decision (no statement of their own).
    assert written == ([2] if container.engine.dialect.name == "sqlite" else [])
    history = client.get(f"/v1/leads/{answer['id']}", headers=headers).json()["status_history"]
    assert [h["status"] for h in history] == ["new", "assigned"]
    assert history[0]["reason"] == "received"
    assert history[1]["reason"].startswith("route: decision ")


def test_after_warm_up_postgresql_parses_no_statement_of_a_post_again(
    pg_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg converts a statement's placeholders by parsing its text and keeps the result
    only within bounds (``store.db.keep_long_statements_converted``): the assigned decision's
    long statement must be among those kept, not parsed again for every lead."""
    from psycopg import _queries

    with TestClient(create_app(pg_container)) as client:
        agency = load_synthetic_agency(pg_container, producers=5)
        headers = {"Authorization": f"Bearer {agency.api_key}"}
        for n in range(8):
            assert client.post("/v1/leads", headers=headers, json=lead(n)).status_code == 201
        parsed: list[int] = []
        uncached = _queries._query2pg_nocache  # what psycopg calls for a statement it does not keep

        def spy(query: bytes, *args: Any, **kwargs: Any) -> Any:
            parsed.append(len(query))
            return uncached(query, *args, **kwargs)

        monkeypatch.setattr(_queries, "_query2pg_nocache", spy)
        answers = [client.post("/v1/leads", headers=headers, json=lead(n)) for n in range(8, 14)]

    assert [a.json()["status"] for a in answers] == ["assigned"] * 6
    assert parsed == []
