"""``leadrouter serve`` (what ``make run`` starts) on a fresh database: demo, docs, a lead."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serving import free_port

pytestmark = pytest.mark.slow  # starts leadrouter serve as a process

DEMO_KEY = "lr_demo_key_for_the_serve_test"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "LEADROUTER_DATABASE_URL": f"sqlite:///{tmp_path / 'leadrouter.db'}",
        "LEADROUTER_PORT": str(port),
        "LEADROUTER_DEMO_API_KEY": DEMO_KEY,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadrouter", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        else:
            pytest.fail("leadrouter serve did not answer /healthz within 60 s")
        yield base
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
        assert "demo agency" in out


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
