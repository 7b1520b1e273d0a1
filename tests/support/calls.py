"""A small roster and the call simulator wired to the in-process app."""

from __future__ import annotations

from collections.abc import Callable, Collection
from importlib import resources
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.admin.policy import put_policy
from leadrouter.sim.calls import CallSimulator
from leadrouter.store.tables import decisions
from tests.support.factories import TestAgency, make_producer
from tests.support.hooks import SMS_TOKEN


def roster(
    c: Container, agency: TestAgency, states: list[Collection[str]]
) -> tuple[list[int], dict[str, frozenset[str]]]:
    """Producers 1..n licensed in ``states[i]``: their ids and phone -> licensed states."""
    ids, licensed = [], {}
    for n, held in enumerate(states, start=1):
        ids.append(make_producer(c, agency.id, n, licensed_in=tuple(held)))
        licensed[f"+1212555{n:04d}"] = frozenset(held)
    return ids, licensed


def simulator(
    client: TestClient,
    agency: TestAgency,
    licensed: dict[str, frozenset[str]],
    answers: Callable[[str], str] = lambda phone: "completed",
) -> CallSimulator:
    """The provider's side, signing with the agency's token."""
    return CallSimulator(
        client=client,
        form_key=agency.form_key,
        token=SMS_TOKEN,
        licensed=licensed,
        answers=answers,
    )


def dial_steps(c: Container, lead_id: int) -> list[tuple[str, int | None]]:
    """The lead's call_dial decisions: (outcome, producer), oldest first."""
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(decisions.c.outcome, decisions.c.producer_id)
            .where(decisions.c.lead_id == lead_id, decisions.c.kind == "call_dial")
            .order_by(decisions.c.id)
        )
        return [(r.outcome, r.producer_id) for r in rows]


def calls_policy(c: Container, agency_id: int, calls_yaml: str) -> None:
    """The shipped policy with a ``calls`` section (e.g. ``calls: {ring: simultaneous}``)."""
    text = (resources.files("leadrouter") / "policy" / "default.yaml").read_text("utf-8")
    put_policy(
        uow=c.uow(),
        agency_id=agency_id,
        text=f"{text.rstrip()}\n{calls_yaml}\n",
        fmt="yaml",
        actor="test",
        now=c.clock.now(),
    )


def dial_records(c: Container, lead_id: int) -> list[dict[str, Any]]:
    """The lead's call_dial decisions with their explanations, oldest first."""
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(decisions.c.outcome, decisions.c.producer_id, decisions.c.explanation)
            .where(decisions.c.lead_id == lead_id, decisions.c.kind == "call_dial")
            .order_by(decisions.c.id)
        )
        return [
            {"outcome": r.outcome, "producer_id": r.producer_id, **dict(r.explanation)}
            for r in rows
        ]
