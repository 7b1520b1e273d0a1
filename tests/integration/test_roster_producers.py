"""/v1/producers on SQLite and PostgreSQL."""

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.store.tables import producer_day_counts
from tests.support.factories import make_agency, make_producer
from tests.support.roster import headers_for, post_license


def test_a_new_producer_is_normalized_and_gets_sensible_defaults(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/producers",
        headers=agency.headers,
        json={
            "name": "Ana Diaz",
            "email": "Ana.Diaz@Agency.example",
            "phone": "(212) 736-0101",
            "business_lines": ["personal", "commercial"],
            "max_open": 20,
            "team": "North",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/producers/{body['id']}"
    assert body["email"] == "ana.diaz@agency.example"
    assert body["phone"] == "+12127360101"
    assert body["timezone"] == "America/New_York"
    assert body["working_hours"][0] == {"weekday": 0, "start": "09:00", "end": "17:00"}
    assert len(body["working_hours"]) == 5
    assert body["business_lines"] == ["commercial", "personal"]
    assert (body["role"], body["active"], body["open_count"]) == ("producer", True, 0)


def test_working_hours_and_out_of_office_round_trip(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/producers",
        headers=agency.headers,
        json={
            "name": "Producer 1",
            "email": "p1@agency.example",
            "timezone": "America/Chicago",
            "working_hours": [
                {"weekday": 5, "start": "10:00", "end": "14:00"},
                {"weekday": 0, "start": "8:00", "end": "24:00"},
            ],
            "out_of_office": [
                {"start": "2026-12-24T00:00:00-06:00", "end": "2027-01-01T00:00:00-06:00"}
            ],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["working_hours"] == [
        {"weekday": 0, "start": "08:00", "end": "24:00"},
        {"weekday": 5, "start": "10:00", "end": "14:00"},
    ]
    assert created["out_of_office"] == [
        {"start": "2026-12-24T06:00:00Z", "end": "2027-01-01T06:00:00Z"}
    ]


def test_bad_fields_are_all_named_in_one_problem(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/producers",
        headers=agency.headers,
        json={
            "name": "X",
            "email": "nope",
            "phone": "123",
            "timezone": "Mars/Olympus",
            "working_hours": [
                {"weekday": 1, "start": "09:00", "end": "13:00"},
                {"weekday": 1, "start": "12:00", "end": "18:00"},
            ],
            "shoe_size": 11,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"email", "phone", "timezone", "working_hours", "shoe_size"}


def test_the_same_email_twice_is_a_conflict(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    make_producer(container, agency.id, email="ana@agency.example")
    again = client.post(
        "/v1/producers",
        headers=agency.headers,
        json={"name": "Ana 2", "email": "ANA@agency.example"},
    )
    assert again.status_code == 409
    assert "ana@agency.example" in again.json()["detail"]


def test_the_same_email_in_two_agencies_is_fine(client: TestClient, container: Container) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    for agency in (a, b):
        response = client.post(
            "/v1/producers",
            headers=agency.headers,
            json={"name": "Ana", "email": "ana@agency.example"},
        )
        assert response.status_code == 201, response.text


def test_another_agencys_producer_is_not_found(client: TestClient, container: Container) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    theirs = make_producer(container, a.id)
    assert client.get(f"/v1/producers/{theirs}", headers=b.headers).status_code == 404
    patch = client.patch(f"/v1/producers/{theirs}", json={"active": False}, headers=b.headers)
    assert patch.status_code == 404
    assert client.delete(f"/v1/producers/{theirs}", headers=b.headers).status_code == 404
    assert client.get("/v1/producers", headers=b.headers).json()["items"] == []


def test_a_backup_from_another_agency_is_refused(client: TestClient, container: Container) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    theirs = make_producer(container, a.id)
    response = client.post(
        "/v1/producers",
        headers=b.headers,
        json={"name": "Mine", "email": "mine@b.example", "backup_producer_id": theirs},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "backup_producer_id", "reason": f"no producer {theirs} in this agency"}
    ]


def test_a_partial_update_changes_only_what_it_names(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    first = make_producer(container, agency.id, n=1, max_open=20, team="North")
    second = make_producer(container, agency.id, n=2)
    response = client.patch(
        f"/v1/producers/{first}",
        headers=agency.headers,
        json={"active": False, "backup_producer_id": second},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["backup_producer_id"]) == (False, second)
    assert (body["max_open"], body["team"], body["name"]) == (20, "North", "Producer 1")
    cleared = client.patch(
        f"/v1/producers/{first}", headers=agency.headers, json={"max_open": None}
    )
    assert cleared.json()["max_open"] is None


def test_a_partial_update_cannot_null_a_required_field_or_self_back_up(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    nulled = client.patch(f"/v1/producers/{p}", headers=agency.headers, json={"name": None})
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["field"] == "name"
    itself = client.patch(
        f"/v1/producers/{p}", headers=agency.headers, json={"backup_producer_id": p}
    )
    assert itself.status_code == 422
    assert itself.json()["errors"][0]["reason"] == "a producer cannot back up themselves"


def test_changing_email_to_a_colleagues_is_a_conflict(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    make_producer(container, agency.id, n=1)
    p2 = make_producer(container, agency.id, n=2)
    response = client.patch(
        f"/v1/producers/{p2}", headers=agency.headers, json={"email": "p1@agency.example"}
    )
    assert response.status_code == 409


def test_lists_filter_and_page_with_a_cursor(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    for n in range(1, 6):
        make_producer(container, agency.id, n=n, team="North" if n % 2 else "South")
    page = client.get("/v1/producers?limit=2", headers=agency.headers).json()
    assert [p["name"] for p in page["items"]] == ["Producer 1", "Producer 2"]
    rest = client.get(
        f"/v1/producers?limit=10&cursor={page['next_cursor']}", headers=agency.headers
    ).json()
    assert [p["name"] for p in rest["items"]] == ["Producer 3", "Producer 4", "Producer 5"]
    assert rest["next_cursor"] is None
    north = client.get("/v1/producers?team=North", headers=agency.headers).json()
    assert len(north["items"]) == 3


def test_a_producer_who_backs_someone_up_cannot_be_deleted(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    backup = make_producer(container, agency.id, n=1)
    make_producer(container, agency.id, n=2, backup_producer_id=backup)
    refused = client.delete(f"/v1/producers/{backup}", headers=agency.headers)
    assert refused.status_code == 409
    assert "backup" in refused.json()["detail"]


def test_deleting_a_producer_takes_their_licenses(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    post_license(client, agency.headers, p)
    assert client.delete(f"/v1/producers/{p}", headers=agency.headers).status_code == 204
    assert client.get(f"/v1/producers/{p}", headers=agency.headers).status_code == 404
    assert client.get("/v1/licenses", headers=agency.headers).json()["items"] == []


def test_producer_keys_read_the_roster_but_only_managers_change_it(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    reader = headers_for(container, agency, "producer")
    make_producer(container, agency.id)
    assert client.get("/v1/producers", headers=reader).status_code == 200
    refused = client.post(
        "/v1/producers", headers=reader, json={"name": "X", "email": "x@agency.example"}
    )
    assert refused.status_code == 403


def test_a_producer_with_history_is_kept_and_can_be_deactivated_instead(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    with container.uow() as uow:
        uow.conn.execute(
            producer_day_counts.insert().values(
                producer_id=p, day=container.clock.now().date(), agency_id=agency.id, count=1
            )
        )
        uow.commit()
    refused = client.delete(f"/v1/producers/{p}", headers=agency.headers)
    assert refused.status_code == 409
    assert "deactivate" in refused.json()["detail"]
    assert client.get(f"/v1/producers/{p}", headers=agency.headers).status_code == 200


def test_a_cap_past_what_the_store_holds_is_refused_naming_the_field_and_the_line(
    client: TestClient, container: Container
) -> None:
    """An operations manager who types one digit too many gets the field (or the file's line
    and column) and the reason, never an unnamed range error or a traceback."""
    agency = make_agency(container)
    huge = 10**20
    body = {"name": "Big Cap", "email": "big@agency.example", "max_open": huge}
    refused = client.post("/v1/producers", headers=agency.headers, json=body)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["max_open"]
    csv = f"external_id,name,email,max_daily\nP900,Big Cap,big@agency.example,{huge}\n"
    refused = client.post(
        "/v1/import/producers",
        headers={**agency.headers, "Content-Type": "text/csv"},
        content=csv,
    )
    assert refused.status_code == 422
    assert refused.json()["report"]["errors"][0]["line"] == 2
    assert refused.json()["report"]["errors"][0]["column"] == "max_daily"
