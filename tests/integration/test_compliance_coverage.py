"""GET /v1/compliance/coverage: licensed producers per state and line, now and 30/60/90 days."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.compliance.coverage import coverage_report
from leadrouter.services.roster.producers import update_producer
from tests.conftest import T0
from tests.support.factories import make_agency, make_license, make_producer

TODAY = T0.date()  # 09:00 in New York: the same calendar day


def counts(row: dict[str, Any]) -> list[int]:
    return [h["producers"] for h in row["counts"]]


def test_coverage_counts_licensed_producers_now_and_ahead_and_forecasts_the_gap(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    ben = make_producer(container, agency.id, name="Ben Okafor")
    cara = make_producer(container, agency.id, name="Cara Reyes")
    dev = make_producer(container, agency.id, name="Dev Patel")
    make_license(container, agency.id, ana, "NY", "NY-A", expires=TODAY + timedelta(days=20))
    make_license(
        container,
        agency.id,
        ana,
        "NJ",
        "NJ-A",
        lines=("property", "casualty"),
        expires=TODAY + timedelta(days=400),
    )
    make_license(container, agency.id, ben, "NY", "NY-B", expires=TODAY + timedelta(days=75))
    make_license(container, agency.id, cara, "NY", "NY-C", lines=("life",), verifier=None)
    make_license(container, agency.id, dev, "NY", "NY-D")
    update_producer(
        uow=container.uow(), agency_id=agency.id, producer_id=dev, changes={"active": False}
    )
    response = client.get("/v1/compliance/coverage", headers=agency.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {(r["state"], r["line"]): r for r in body["rows"]}
    assert list(rows) == [
        ("NJ", "casualty"),
        ("NJ", "property"),
        ("NY", "life"),
        ("NY", "personal_lines"),
    ]
    personal = rows[("NY", "personal_lines")]
    assert [h["days"] for h in personal["counts"]] == [0, 30, 60, 90]
    assert personal["counts"][3]["on"] == (TODAY + timedelta(days=90)).isoformat()
    assert counts(personal) == [2, 1, 1, 0]
    assert personal["gaps"] == [90]
    assert [(e["producer_name"], e["expiration_date"]) for e in personal["expiring"]] == [
        ("Ana Diaz", (TODAY + timedelta(days=20)).isoformat()),
        ("Ben Okafor", (TODAY + timedelta(days=75)).isoformat()),
    ]
    assert (counts(rows[("NJ", "property")]), rows[("NJ", "property")]["gaps"]) == (
        [1, 1, 1, 1],
        [],
    )
    assert rows[("NY", "life")]["gaps"] == [0, 30, 60, 90]  # pending: not yet licensed
    assert body["gaps"] == 2


def test_a_minimum_of_two_turns_single_coverage_into_a_gap_and_state_filters(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    make_license(container, agency.id, ana, "NJ", "NJ-A")
    make_license(container, agency.id, ana, "NY", "NY-A")
    body = client.get("/v1/compliance/coverage?minimum=2&state=nj", headers=agency.headers).json()
    assert [(r["state"], r["gaps"]) for r in body["rows"]] == [("NJ", [0, 30, 60, 90])]


def test_coverage_uses_the_agency_calendar_day_a_license_ending_tomorrow_counts_today_only(
    container: Container,
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    make_license(container, agency.id, ana, "NY", "NY-A", expires=TODAY + timedelta(days=1))
    [row] = coverage_report(
        uow=container.uow(), agency_id=agency.id, now=container.clock.now(), horizons=(0, 1)
    )
    assert [(h.days, h.producers) for h in row.counts] == [(0, 1), (1, 0)]
    assert row.gaps == (1,)
