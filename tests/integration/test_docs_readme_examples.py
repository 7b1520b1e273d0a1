"""The README's examples work as printed: a newcomer's first request is not refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from tests.support.factories import make_agency

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _curl_bodies(path: str) -> list[dict[str, object]]:
    """The JSON bodies (``-d '...'``) of the README's curl commands to ``path``."""
    commands = re.findall(r"curl [^`]*?" + re.escape(path) + r"[^`]*?-d '([^']*)'", README)
    return [json.loads(body) for body in commands]


def test_the_readme_sample_lead_is_accepted(client: TestClient, container: Container) -> None:
    bodies = _curl_bodies("/v1/leads")
    assert bodies, "the README shows how to send a lead"
    agency = make_agency(container)
    for body in bodies:
        done = client.post("/v1/leads", json=body, headers=agency.headers)
        assert done.status_code == 201, done.text
