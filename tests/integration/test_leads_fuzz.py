"""No body, however malformed, makes intake answer 500 or leave a half-written row."""

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.intake.contract import FIELD_NAMES
from leadrouter.store.tables import idempotency_records, lead_status_changes, lead_touches, leads
from tests.support.factories import LEAD_BODY, make_agency

pytestmark = pytest.mark.slow  # hypothesis / schemathesis fuzzing

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(
        ["", " ", "10001", "2128675309", "NY", "home", "2026-01-01", "a@b.co", "\x00"]
    )
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from([*FIELD_NAMES, "x"]), values, max_size=9),
    st.fixed_dictionaries({}, optional={k: values for k in LEAD_BODY}).map(
        lambda d: {**LEAD_BODY, **d}
    ),
    values,
)


def _counts(container: Container) -> tuple[int, ...]:
    with container.engine.connect() as conn:
        return tuple(
            int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in (leads, lead_status_changes, lead_touches, idempotency_records)
        )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, key=st.none() | st.sampled_from(["k1", "k2"]))
def test_any_json_body_is_answered_without_a_500_and_refusals_write_nothing(
    client: TestClient, container: Container, body: Any, key: str | None
) -> None:
    if not hasattr(container, "_fuzz_agency"):
        container._fuzz_agency = make_agency(container)  # type: ignore[attr-defined]
    agency = container._fuzz_agency  # type: ignore[attr-defined]
    before = _counts(container)
    headers = {**agency.headers, "content-type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    response = client.post("/v1/leads", content=json.dumps(body).encode(), headers=headers)
    assert response.status_code in {200, 201, 409, 422}, response.text
    if response.status_code in {409, 422}:
        assert response.headers["content-type"] == "application/problem+json"
        assert _counts(container) == before
    if response.status_code == 422:
        assert response.json()["errors"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_answered_without_a_500(
    client: TestClient, container: Container, clock: FixedClock, raw: bytes
) -> None:
    clock.advance(timedelta(seconds=6))  # the form's per-address rate: one post per 6 s
    if not hasattr(container, "_fuzz_agency"):
        container._fuzz_agency = make_agency(container)  # type: ignore[attr-defined]
    agency = container._fuzz_agency  # type: ignore[attr-defined]
    before = _counts(container)
    for path, headers in (
        ("/v1/leads", {**agency.headers, "content-type": "application/json"}),
        (f"/forms/{agency.form_key}/leads", {"content-type": "application/x-www-form-urlencoded"}),
    ):
        response = client.post(path, content=raw, headers=headers)
        assert response.status_code in {202, 422}, (path, raw, response.text)
    assert _counts(container) == before
