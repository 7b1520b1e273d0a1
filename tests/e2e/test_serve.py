"""``leadrouter serve`` (what ``make run`` starts) on a fresh database: demo, docs, a lead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serving import running_server

pytestmark = pytest.mark.slow  # starts leadrouter serve as a process

DEMO_KEY = "lr_demo_key_for_the_serve_test"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    log_file = tmp_path / "serve.log"
    with (
        log_file.open("wb") as log,
        running_server(tmp_path, env={"LEADROUTER_DEMO_API_KEY": DEMO_KEY}, output=log) as base,
    ):
        yield base
    assert "demo agency" in log_file.read_text()


def test_serve_on_an_empty_database_loads_the_demo_and_answers(served: str) -> None:
    assert httpx.get(served + "/healthz").json() == {"status": "ok", "database": "sqlite"}
    docs = httpx.get(served + "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = httpx.get(served + "/openapi.json").json()
    assert "/v1/leads" in spec["paths"]

    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    producers = httpx.get(served + "/v1/producers", headers=headers).json()["items"]
    assert len(producers) == 4
    lead = httpx.post(
        served + "/v1/leads",
        headers=headers,
        json={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "phone": "(212) 736-0123",
            "zip": "10001",
            "insurance_type": "personal_auto",
        },
    )
    assert lead.status_code == 201
    body = lead.json()
    assert (body["phone"], body["state"], body["county"], body["timezone"]) == (
        "+12127360123",
        "NY",
        "New York County",
        "America/New_York",
    )
    # Routed at once: assigned in working hours, else queued with a reason; never lost.
    assert body["status"] in {"assigned", "queued"}
