"""Dedupe and idempotency hold when the same lead arrives many times at once."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.services.leads.intake import IntakeResult, receive_lead
from leadrouter.store.tables import idempotency_records, lead_touches, leads
from tests.support.factories import LEAD_BODY, make_agency

pytestmark = pytest.mark.slow  # many threads or processes at once

BODY: dict[str, Any] = {**LEAD_BODY, "insurance_type": "home"}
PARALLEL = 8


def _count(container: Container, table: sa.Table) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _all_at_once(
    container: Container, agency_id: int, bodies: list[dict[str, Any]], key: str | None = None
) -> list[IntakeResult]:
    def one(body: dict[str, Any]) -> IntakeResult:
        return receive_lead(
            uow=container.uow(),
            agency_id=agency_id,
            payload=body,
            idempotency_key=key,
            now=container.clock.now(),
        )

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(one, bodies))


def test_the_same_person_posted_at_once_from_many_places_makes_one_lead(
    container: Container,
) -> None:
    agency = make_agency(container)
    bodies = [{**BODY, "email": f"maria{i}@example.com"} for i in range(PARALLEL)]
    results = _all_at_once(container, agency.id, bodies)
    assert sorted(r.status_code for r in results) == [200] * (PARALLEL - 1) + [201]
    assert len({r.lead_id for r in results}) == 1
    assert _count(container, leads) == 1
    assert _count(container, lead_touches) == PARALLEL - 1


def test_leads_sharing_only_an_email_are_serialized_too(container: Container) -> None:
    agency = make_agency(container)
    bodies = [{**BODY, "phone": f"(646) 736-01{i:02d}"} for i in range(PARALLEL)]
    results = _all_at_once(container, agency.id, bodies)
    assert [r.created for r in results].count(True) == 1
    assert _count(container, leads) == 1


def test_concurrent_retries_with_one_key_make_one_lead_and_one_answer(
    container: Container,
) -> None:
    agency = make_agency(container)
    results = _all_at_once(container, agency.id, [BODY] * PARALLEL, key="retry-storm")
    assert {r.body for r in results} == {results[0].body}
    assert {r.status_code for r in results} == {201}
    assert [r.replayed for r in results].count(False) == 1
    assert _count(container, leads) == 1
    assert _count(container, lead_touches) == 0
    assert _count(container, idempotency_records) == 1


def test_different_people_at_once_are_all_taken_in(container: Container) -> None:
    agency = make_agency(container)
    bodies = [
        {**BODY, "phone": f"(646) 736-01{i:02d}", "email": f"p{i}@example.com"}
        for i in range(PARALLEL)
    ]
    results = _all_at_once(container, agency.id, bodies)
    assert all(r.created for r in results)
    assert _count(container, leads) == PARALLEL
