"""Faults under load (issue 9, item 10): an API process killed with SIGKILL during a burst of
posts, and a PostgreSQL server restarted under the service's feet.

What must hold either way: every lead the client was told exists (201) exists afterwards,
assigned or queued, with at most one owner; during an outage the client gets 503
problem+json with Retry-After, never a 500 or a text/plain page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.store.tables import assignments, leads, queue_entries
from tests.support.factories import (
    TestAgency,
    lead_body,
    make_agency,
    make_producer,
    migrated,
)
from tests.support.postgres import create_database, own_server
from tests.support.serving import free_port, wait_for

pytestmark = pytest.mark.slow  # real server processes


def _lead(n: int) -> dict[str, Any]:
    phone = f"(212) {300 + n // 10_000}-{n % 10_000:04d}"
    return lead_body(n, first_name="Burst", phone=phone, email=f"burst{n}@example.com")


def _agency_with_producers(c: Container) -> TestAgency:
    agency = make_agency(c)
    for n in range(1, 4):
        make_producer(c, agency.id, n, licensed_in=("NY",))
    return agency


def _every_acknowledged_lead_is_there_once_with_one_owner_at_most(
    engine: sa.Engine, acknowledged: set[int]
) -> None:
    with engine.connect() as conn:
        states = dict(
            conn.execute(
                sa.select(leads.c.id, leads.c.status).where(leads.c.id.in_(acknowledged))
            ).all()
        )
        owners = Counter(
            conn.execute(sa.select(assignments.c.lead_id).where(assignments.c.state == "active"))
            .scalars()
            .all()
        )
        waiting = set(
            conn.execute(
                sa.select(queue_entries.c.lead_id).where(queue_entries.c.resolved_at.is_(None))
            ).scalars()
        )
    assert set(states) == acknowledged, "a lead the client was given is missing"
    assert all(n == 1 for n in owners.values()), "a lead has two owners"
    for lead_id, status in states.items():
        assert (status == "assigned" and owners[lead_id] == 1) or (
            status == "queued" and lead_id in waiting
        ), f"lead {lead_id} is {status}"


def _serve(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LEADROUTER_DATABASE_URL": db_url,
        "LEADROUTER_PORT": str(port),
        "LEADROUTER_API_RATE_PER_MINUTE": "1000000",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "leadrouter", "serve", "--no-worker", "--no-demo"],
            env=env,
            cwd=log.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_an_api_process_killed_during_a_burst_loses_no_acknowledged_lead(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'leadrouter.db'}"
    c = migrated(db_url)
    agency = _agency_with_producers(c)
    port, log = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    server = _serve(db_url, port, log)
    acknowledged: dict[int, int] = {}  # lead number -> id
    lock, counter = threading.Lock(), iter(range(10**6))
    stop = threading.Event()

    def post_until_stopped() -> None:
        with httpx.Client(base_url=base, headers=agency.headers, timeout=10) as client:
            while not stop.is_set():
                with lock:
                    n = next(counter)
                try:
                    answer = client.post("/v1/leads", json=_lead(n))
                except httpx.HTTPError:
                    continue  # no answer: the client was told nothing
                if answer.status_code == 201:
                    with lock:
                        acknowledged[n] = answer.json()["id"]

    try:
        wait_for(lambda: _healthy(base), 300, "the server to start")
        threads = [threading.Thread(target=post_until_stopped) for _ in range(4)]
        for t in threads:
            t.start()
        wait_for(lambda: len(acknowledged) >= 20, 120, "the first acknowledged leads")
        httpx.get(base + "/v1/leads", params={"phone": _lead(1)["phone"]}, headers=agency.headers)
        server.send_signal(signal.SIGKILL)  # mid-burst: some posts are in flight
        server.wait()
        stop.set()
        for t in threads:
            t.join()
        server = _serve(db_url, port, log)  # the same database, after the crash
        wait_for(lambda: _healthy(base), 300, "the server to start again")
        after = httpx.post(base + "/v1/leads", json=_lead(10**5), headers=agency.headers)
        assert after.status_code == 201, after.text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    _every_acknowledged_lead_is_there_once_with_one_owner_at_most(
        c.engine, set(acknowledged.values())
    )
    c.engine.dispose()
    output = log.read_text(errors="replace")
    for n in acknowledged:  # and none of their contact details reached the server's log
        assert _lead(n)["email"] not in output
        assert _lead(n)["phone"][6:] not in output


@pytest.mark.postgres
def test_a_postgresql_restart_under_load_is_a_503_while_it_lasts_and_loses_nothing(
    tmp_path: Path,
) -> None:
    with own_server(durable=True) as pg:  # a server of this test's own: the shared one stays up
        db_url = create_database(pg.url, "restart")
        c = migrated(db_url, api_rate_per_minute=1_000_000)
        agency = _agency_with_producers(c)
        answers: list[tuple[int, str, str | None]] = []
        acknowledged: set[int] = set()
        stop = threading.Event()

        def post_until_stopped() -> None:
            with TestClient(create_app(c), raise_server_exceptions=False) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    answer = client.post("/v1/leads", json=_lead(n), headers=agency.headers)
                    answers.append(
                        (
                            answer.status_code,
                            answer.headers.get("content-type", ""),
                            answer.headers.get("retry-after"),
                        )
                    )
                    if answer.status_code == 201:
                        acknowledged.add(answer.json()["id"])
                    elif answer.status_code == 503:
                        time.sleep(0.05)

        poster = threading.Thread(target=post_until_stopped)
        poster.start()
        try:
            wait_for(lambda: len(acknowledged) >= 20, 120, "leads before the restart")
            pg.stop("immediate")  # every connection in the pool dies at once
            wait_for(lambda: sum(a[0] == 503 for a in answers) >= 3, 60, "the outage to show")
            pg.start()
            before = len(acknowledged)
            wait_for(lambda: len(acknowledged) >= before + 20, 120, "leads after the restart")
        finally:
            stop.set()
            poster.join()

        refused = [a for a in answers if a[0] != 201]
        assert refused, "the outage was not seen"
        assert all(
            status == 503 and kind == "application/problem+json" and retry is not None
            for status, kind, retry in refused
        ), Counter(refused)
        _every_acknowledged_lead_is_there_once_with_one_owner_at_most(c.engine, acknowledged)
        c.engine.dispose()
