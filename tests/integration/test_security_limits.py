"""Limits before work: size, nesting, a busy database, honest error docs (issue 9, item 2)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.store import db
from tests.support.factories import make_agency

PROBLEM = "application/problem+json"


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_an_unauthenticated_oversized_json_body_is_refused_413_before_it_is_read(
    client: TestClient,
) -> None:
    answer = client.post(
        "/v1/api-keys",
        content=b'{"role": "manager", "pad": "' + b"x" * (300 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == 413  # not 401: nothing was parsed, no key was looked up
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"] == "the request body may have at most 256 KiB"


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit_with_413(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)

    answer = client.post(
        "/v1/leads",
        content=_chunks(2 * 1024 * 1024),
        headers={**agency.headers, "content-type": "application/json"},
    )

    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM


def test_a_chunked_csv_upload_over_its_limit_is_refused_while_it_streams(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)

    answer = client.post(
        "/v1/import/clients",
        content=_chunks(21 * 1024 * 1024, 1024 * 1024),
        headers={**agency.headers, "content-type": "text/csv"},
    )

    assert answer.status_code == 413
    assert answer.json()["detail"] == "the CSV file may have at most 20 MiB"


def test_a_multipart_post_to_the_public_form_over_its_limit_gets_413(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)

    answer = client.post(
        f"/forms/{agency.form_key}/leads",
        data={"first_name": "Ada"},
        files={"resume": ("cv.txt", b"x" * (100 * 1024))},
    )

    assert answer.status_code == 413
    assert answer.json()["detail"] == "the form may have at most 64 KiB"


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/v1/policy/lint", "application/json", "[" * 5000 + "]" * 5000),
        ("/v1/policy/lint", "application/yaml", "a: " + "[" * 5000 + "]" * 5000),
        ("/v1/policy", "application/yaml", "".join("  " * i + "- \n" for i in range(60))),
        ("/v1/policy/dry-run", "application/json", '{"lead": {}, "policy": ' + "[" * 900),
    ],
)
def test_a_deeply_nested_policy_document_is_a_422_naming_the_document(
    client: TestClient, container: Container, path: str, content_type: str, body: str
) -> None:
    agency = make_agency(container)
    method = client.put if path == "/v1/policy" else client.post

    answer = method(path, content=body, headers={**agency.headers, "content-type": content_type})

    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert "nests deeper than 32 levels" in answer.text
    assert "policy document" in answer.text


def test_a_deeply_nested_lead_body_is_a_422_not_a_server_error(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    nested = '{"attributes": ' + '{"a": ' * 200 + "1" + "}" * 201

    answer = client.post(
        "/v1/leads", content=nested, headers={**agency.headers, "content-type": "application/json"}
    )

    assert answer.status_code == 422
    assert answer.json()["detail"] == "the request body nests deeper than 32 levels"


@pytest.fixture
def sqlite_container(
    sqlite_template: Path, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 0.3)
    path = tmp_path / "locked.db"
    shutil.copy(sqlite_template, path)
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=clock)
    yield c
    c.engine.dispose()


def test_a_database_locked_by_another_process_answers_503_with_retry_after(
    sqlite_container: Container,
) -> None:
    agency = make_agency(sqlite_container)
    database = sqlite_container.engine.url.database
    assert database is not None
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with TestClient(create_app(sqlite_container)) as client:
            answer = client.post("/v1/api-keys", json={"name": "ci"}, headers=agency.headers)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert answer.status_code == 503
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["retry-after"] == "2"


def test_the_openapi_document_describes_every_error_as_problem_json(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    errors = [
        (path, method, code, response)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for code, response in operation["responses"].items()
        if code[0] in "45"
    ]
    assert errors
    assert all(
        list(response["content"]) == [PROBLEM]
        and response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
        for _, _, _, response in errors
    )
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    lead_post = spec["paths"]["/v1/leads"]["post"]["responses"]
    assert {"413", "422", "429", "503"} <= set(lead_post)


def test_the_openapi_document_lists_the_auth_role_and_missing_record_errors(
    client: TestClient, container: Container
) -> None:
    """An integrator reads 401 on every keyed route, 403 where the key's role is checked and
    404 on every route addressing a record by id, and each is really answered so."""
    spec = client.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]
    keyed = [(p, m) for p, m, op in operations if op.get("security")]
    assert ("/v1/leads", "post") in keyed
    assert [(p, m) for p, m in keyed if "401" not in spec["paths"][p][m]["responses"]] == []
    by_id = [(p, m) for p, m, _ in operations if re.search(r"\{\w+_id\}", p)]
    assert [(p, m) for p, m in by_id if "404" not in spec["paths"][p][m]["responses"]] == []
    assert "403" in spec["paths"]["/v1/policy"]["put"]["responses"]

    agency = make_agency(container)
    assert client.get("/v1/producers/999999", headers=agency.headers).status_code == 404
    assert client.get("/v1/producers").status_code == 401
