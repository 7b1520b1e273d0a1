"""Over small rosters, clocks and ring modes (sequential, simultaneous): no call is bridged
to, or even rings, an unlicensed producer, and every caller ends with a producer or the
fallback (the simulator checks both on every answer)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.domain.model import Shift
from leadrouter.services.calls.presence import PRESENCES, set_presence
from leadrouter.sim.calls import Caller
from tests.conftest import T0
from tests.support.calls import calls_policy, simulator
from tests.support.factories import make_producer
from tests.support.hooks import signing_agency

pytestmark = pytest.mark.slow  # hypothesis over a real database
STATES = ("NY", "NJ", "CT")
ZIPS = {"NY": "10001", "NJ": "07030", "CT": "06103"}
DIAL_RESULTS = ("completed", "no-answer", "busy", "failed")

producer_st = st.fixed_dictionaries(
    {
        "states": st.sets(st.sampled_from(STATES), max_size=2),
        "presence": st.sampled_from(PRESENCES),
        "answer": st.sampled_from(DIAL_RESULTS),
        "day_shift": st.booleans(),  # 09:00-17:00 Mon-Fri in New York, else always on
    }
)
call_st = st.tuples(st.sampled_from((*STATES, "PA", None)), st.booleans())


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    producers=st.lists(producer_st, max_size=4),
    calls=st.lists(call_st, min_size=1, max_size=3),
    hours=st.integers(min_value=0, max_value=24 * 7 - 1),
    ring_at_once=st.one_of(st.none(), st.integers(min_value=2, max_value=3)),
)
def test_no_call_is_bridged_to_an_unlicensed_producer_and_no_caller_is_left_unanswered(
    client: TestClient,
    container: Container,
    clock: FixedClock,
    producers: list[dict[str, object]],
    calls: list[tuple[str | None, bool]],
    hours: int,
    ring_at_once: int | None,
) -> None:
    """Sequential rings, and simultaneous rings of two or three phones at once."""
    clock.set(T0 + timedelta(hours=hours))
    agency = signing_agency(client, container)
    if ring_at_once is not None:
        calls_policy(
            container, agency.id, f"calls: {{ring: simultaneous, ring_at_once: {ring_at_once}}}"
        )
    licensed: dict[str, frozenset[str]] = {}
    answers: dict[str, str] = {}
    day = tuple(Shift(d, time(9), time(17)) for d in range(5))
    for n, spec in enumerate(producers, start=1):
        phone = f"+1212555{n:04d}"
        pid = make_producer(
            container,
            agency.id,
            n,
            licensed_in=sorted(spec["states"]),  # type: ignore[call-overload]
            working_hours=day if spec["day_shift"] else (),
            timezone="America/New_York",
        )
        set_presence(
            uow=container.uow(),
            agency_id=agency.id,
            producer_id=pid,
            presence=str(spec["presence"]),
        )
        licensed[phone] = frozenset(spec["states"])  # type: ignore[arg-type]
        answers[phone] = str(spec["answer"])
    sim = simulator(client, agency, licensed, lambda phone: answers[phone])
    for i, (state, vendor_zip) in enumerate(calls):
        zip_code = ZIPS.get(state or "", "19103" if state == "PA" else None)
        fields = {"zip": zip_code} if vendor_zip and zip_code else {}
        trace = sim.call(
            Caller(f"CA{i}", f"+1212736{1700 + i}", state, zip_code=zip_code, fields=fields)
        )
        assert trace.outcome in ("bridged", "fallback")
        if state is None:
            assert trace.dialed == []
