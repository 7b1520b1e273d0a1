from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from tests.support.factories import make_agency


def test_healthz_reports_the_database(client: TestClient, container: Container) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": container.engine.dialect.name}


def test_request_without_key_gets_401_problem(client: TestClient) -> None:
    response = client.post("/v1/api-keys", json={"name": "x"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_revoked_key_is_refused(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    created = client.post("/v1/api-keys", json={"name": "robot"}, headers=agency.headers)
    assert created.status_code == 201
    second = {"Authorization": f"Bearer {created.json()['key']}"}
    assert client.post("/v1/api-keys", json={"name": "y"}, headers=second).status_code == 201
    revoked = client.delete(f"/v1/api-keys/{created.json()['id']}", headers=agency.headers)
    assert revoked.status_code == 204
    assert client.post("/v1/api-keys", json={"name": "z"}, headers=second).status_code == 401


def test_key_of_one_agency_cannot_revoke_another_agencys_key(
    client: TestClient, container: Container
) -> None:
    a = make_agency(container, "A")
    b = make_agency(container, "B")
    key_of_a = client.post("/v1/api-keys", json={"name": "r"}, headers=a.headers).json()
    assert client.delete(f"/v1/api-keys/{key_of_a['id']}", headers=b.headers).status_code == 404
