"""Replay from the dashboard: a manager picks a candidate and the days, the run goes in the
background, and its page shows who would have got what and the off-policy estimates."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.domain.model import Role
from leadrouter.services.learning import replay_runs as runs
from leadrouter.sim.agency import ROUND_ROBIN_POLICY, load_synthetic_agency
from leadrouter.store.tables import producers, replay_runs
from leadrouter.web.pages.replay import proposal_label
from tests.support.factories import insert_drifting_week
from tests.support.people import form_token, sign_in, user

OPTIMIZER = """
name: optimizer
routing:
  steps: [{type: availability}, {type: caps}]
  strategy: {type: optimizer, exploration: 0.3}
"""


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    """The app over HTTPS (the session cookie is Secure)."""
    with TestClient(create_app(container), base_url="https://testserver") as test_client:
        yield test_client


def _agency_with_history(client: TestClient, container: Container) -> int:
    """Three producers; eight leads routed by an exploring optimizer (probabilities logged)."""
    agency = load_synthetic_agency(container, producers=3, policy=OPTIMIZER)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    for n in range(8):
        body = {
            "first_name": "Re",
            "last_name": f"Play{n}",
            "email": f"replay{n}@example.com",
            "phone": f"(212) 736-01{40 + n}",
            "zip": "10001",
            "insurance_type": "home",
            "source": "web",
        }
        assert client.post("/v1/leads", headers=headers, json=body).status_code == 201
    user(container, agency.agency_id, "boss@replay.example", Role.MANAGER)
    user(container, agency.agency_id, "sup@replay.example", Role.SUPERVISOR)
    return agency.agency_id


def _start(client: TestClient, policy: str, *, since: str, until: str) -> str:
    token = form_token(client.get("/replay").text)
    done = client.post(
        "/replay",
        data={
            "policy": policy,
            "label": "round robin",
            "since": since,
            "until": until,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


def test_a_manager_replays_a_pasted_policy_and_reads_who_would_have_got_what(
    client: TestClient, container: Container
) -> None:
    agency_id = _agency_with_history(client, container)
    sign_in(client, "boss@replay.example")
    stored = client.get("/replay?version=1").text  # the version in force, to start from
    textarea = re.search(r'<textarea id="policy"[^>]*>(.*?)</textarea>', stored, re.S)
    assert textarea is not None and "optimizer" in textarea[1]
    assert 'value="policy version 1"' in stored
    missing = client.get("/replay?version=9", headers={"Accept": "text/html"})  # a 500 once
    assert missing.status_code == 404
    assert "there is no policy version 9; the newest is 1" in markup.unescape(missing.text)
    today = container.clock.now().date()
    where = _start(
        client,
        ROUND_ROBIN_POLICY,
        since=(today - timedelta(days=1)).isoformat(),
        until=(today + timedelta(days=1)).isoformat(),
    )
    assert re.fullmatch(r"/replay/runs/\d+", where)
    page = client.get(where)  # the test client ran the background job already
    assert page.status_code == 200
    html = page.text
    assert "Summary of 8 decisions" in html
    for name in ("IPS", "SNIPS", "DR, w&lt;=5", "License gate refusals", "Gini"):
        assert name in html
    with container.engine.connect() as conn:
        names = conn.execute(
            sa.select(producers.c.name).where(producers.c.agency_id == agency_id)
        ).scalars()
        assert all(n in html for n in names)
        run = conn.execute(sa.select(replay_runs)).one()
    assert (run.status, run.done, run.total) == ("done", 8, 8)
    assert run.result["queued"] == 0
    # round robin takes turns among the three producers (two of them twice)
    assert sorted(row[2] for row in run.result["producers"]) == [2, 3, 3]
    assert "/replay/runs/" in client.get("/replay").text  # listed among the latest


def test_days_without_decisions_give_an_empty_replay_and_a_bad_policy_is_refused(
    client: TestClient, container: Container
) -> None:
    _agency_with_history(client, container)
    sign_in(client, "boss@replay.example")
    where = _start(client, ROUND_ROBIN_POLICY, since="2020-01-01", until="2020-02-01")
    assert "Summary of 0 decisions" in client.get(where).text
    token = form_token(client.get("/replay").text)
    bad = client.post(
        "/replay",
        data={
            "policy": "routing: {strategy: {type: nonsense}}",
            "since": "2020-01-01",
            "until": "2020-02-01",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422


def test_the_rebalancing_proposal_can_be_replayed_from_the_page(
    client: TestClient, container: Container
) -> None:
    agency_id = _agency_with_history(client, container)
    now = container.clock.now()
    with container.engine.begin() as conn:  # this week one producer binds 8 of 16, one 2
        insert_drifting_week(conn, agency_id=agency_id, now=now, insurance_type="home")
    sign_in(client, "boss@replay.example")
    assert "/replay?source=proposal" in client.get("/replay").text
    form = client.get("/replay?source=proposal").text
    assert "weighted_round_robin" in form and "rebalancing proposal: #" in form
    policy = re.search(r'<textarea id="policy"[^>]*>(.*?)</textarea>', form, re.S)
    assert policy is not None
    today = now.date()
    where = _start(
        client,
        markup.unescape(policy[1]),
        since=(today - timedelta(days=1)).isoformat(),
        until=(today + timedelta(days=1)).isoformat(),
    )
    assert "Summary of 8 decisions" in client.get(where).text


def test_the_replay_page_is_for_managers_only(client: TestClient, container: Container) -> None:
    _agency_with_history(client, container)
    sign_in(client, "sup@replay.example")
    assert client.get("/replay").status_code == 403


def test_a_run_lost_with_its_process_is_shown_as_failed_not_for_ever_running(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency_id = _agency_with_history(client, container)
    now = clock.now()
    run_id = runs.start_replay(
        uow=container.uow(),
        agency_id=agency_id,
        user_id=None,
        label="lost",
        text=ROUND_ROBIN_POLICY,
        since=now - timedelta(days=1),
        until=now + timedelta(days=1),
        now=now,
    )  # queued, and no job ever picks it up
    sign_in(client, "boss@replay.example")
    assert 'hx-trigger="every 1s"' in client.get(f"/replay/runs/{run_id}").text
    clock.advance(timedelta(minutes=11))
    sign_in(client, "boss@replay.example")
    page = client.get(f"/replay/runs/{run_id}/status").text
    assert "The replay failed" in page and "every 1s" not in page


def test_the_replay_days_are_the_agencys_own_days(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    """At 10 p.m. in New York (3 a.m. the next day in UTC) the form offers the days up to
    and including New York's today, and a replay of that day holds the evening's leads."""
    clock.set(datetime(2026, 3, 4, 3, 0, tzinfo=UTC))  # Tue 3 March, 22:00 in New York
    _agency_with_history(client, container)
    sign_in(client, "boss@replay.example")
    form = client.get("/replay").text
    assert 'name="since" type="date" value="2026-02-01"' in form
    assert 'name="until" type="date" value="2026-03-04"' in form
    where = _start(client, ROUND_ROBIN_POLICY, since="2026-03-03", until="2026-03-04")
    assert "Summary of 8 decisions" in client.get(where).text


def test_a_name_longer_than_a_run_keeps_is_refused_with_the_form_as_typed(
    client: TestClient, container: Container
) -> None:
    """A 250-character name was cut to 200 without a word; now the form comes back with
    the reason and everything typed, and a program posting it reads problem+json."""
    _agency_with_history(client, container)
    sign_in(client, "boss@replay.example")
    name = "weekend test " + "x" * 237
    form = {
        "policy": ROUND_ROBIN_POLICY,
        "label": name,
        "since": "2020-01-01",
        "until": "2020-02-01",
        "csrf_token": form_token(client.get("/replay").text),
    }
    page = client.post("/replay", data=form, headers={"Accept": "text/html"})
    assert page.status_code == 422
    assert '<a href="#label">Name</a>: at most 200 characters, not 250' in page.text
    assert f'value="{name}"' in page.text and 'aria-invalid="true"' in page.text
    assert "round_robin" in page.text  # the policy, as pasted
    api = client.post("/replay", data=form, headers={"Accept": "application/json"})
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["errors"] == [{"field": "label", "reason": "at most 200 characters, not 250"}]
    with container.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(replay_runs)).scalar() == 0


def test_a_long_rebalancing_proposal_is_named_within_a_runs_name() -> None:
    changes = [f"#{n} standard 1 → 1.25" for n in range(100, 130)]
    label = proposal_label(changes)
    assert len(label) <= runs.LABEL_MAX
    assert label.startswith("rebalancing proposal: #100 standard 1 → 1.25; #101")
    assert re.search(r"; #\d+ standard 1 → 1\.25 and \d+ more$", label)
    assert proposal_label(changes[:2]) == (
        "rebalancing proposal: #100 standard 1 → 1.25; #101 standard 1 → 1.25"
    )
