"""Kill ``leadrouter worker`` with SIGKILL in the middle of its work, restart it, and check
that every due step happened exactly once: no step lost, none repeated.

The effects counted are the step's own: the assignment rows and decisions of a reassignment,
the outbox rows each step queued (messages to producers, managers and consumers; the
``lead.reassigned`` and ``lead.assigned`` notices, which carry no dedupe key), and
``done_steps``. Delivery from the outbox onwards is the dispatcher's business: in-app alerts
are exactly once; email, SMS and webhooks at least once (see docs/time-engine.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import bootstrap
from leadrouter.clock import FixedClock, SystemClock
from leadrouter.config import Settings
from leadrouter.domain.timers import per_lead_keys
from leadrouter.store.audit import verify_chain
from leadrouter.store.tables import assignments, decisions, outbox
from leadrouter.store.uow import UnitOfWork
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.serving import free_port, wait_for
from tests.support.time_engine import (
    set_backup,
)

pytestmark = pytest.mark.slow  # kills and restarts worker processes

LEADS = 160
PRODUCERS = 4


def _count(engine: sa.Engine, query: sa.Select[tuple[int]]) -> int:
    # A read-only transaction: on SQLite it reads the WAL snapshot instead of queueing for
    # the write lock the worker keeps taking.
    with UnitOfWork(engine, readonly=True) as uow:
        return int(uow.conn.execute(query).scalar_one())


def _worker(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        LEADROUTER_DATABASE_URL=db_url,
        LEADROUTER_SMTP_HOST="127.0.0.1",
        LEADROUTER_SMTP_PORT=str(free_port()),
        LEADROUTER_SMTP_TIMEOUT_SECONDS="1",
    )
    cli = Path(sys.executable).parent / "leadrouter"
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(cli), "worker", "--interval", "0.05"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_a_worker_killed_mid_run_repeats_nothing_and_loses_nothing_after_restart(
    db_url: str, tmp_path: Path
) -> None:
    # Leads assigned two hours ago: their whole first half-hour of the ladder is overdue.
    c = bootstrap(
        Settings(database_url=db_url), clock=FixedClock(SystemClock().now() - timedelta(hours=2))
    )
    agency = make_agency(c)
    ids = [make_producer(c, agency.id, n, licensed_in=("NY",)) for n in range(1, PRODUCERS + 1)]
    for i, pid in enumerate(ids):
        set_backup(c, agency.id, pid, ids[(i + 1) % len(ids)])
    for n in range(1, LEADS + 1):
        make_lead(c, agency.id, n)
    engine = c.engine
    reassigned = (
        sa.select(sa.func.count()).select_from(assignments).where(assignments.c.kind == "reassign")
    )

    log = tmp_path / "worker.log"
    first = _worker(db_url, log)
    try:
        wait_for(lambda: _count(engine, reassigned) >= 10, 60, "the first reassignments")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert _count(engine, reassigned) < LEADS, "the worker finished before it was killed"

    second = _worker(db_url, log)
    try:
        due = (
            sa.select(sa.func.count())
            .select_from(assignments)
            .where(assignments.c.next_due_at <= SystemClock().now())
        )
        wait_for(
            lambda: _count(engine, reassigned) == LEADS and _count(engine, due) == 0,
            90,
            "the restarted worker to finish",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    with engine.connect() as conn:
        rows = conn.execute(sa.select(assignments).order_by(assignments.c.id)).all()
        messages = conn.execute(
            sa.select(outbox.c.event, outbox.c.channel, outbox.c.payload, outbox.c.dedupe_key)
        ).all()
        kinds = Counter(
            (r.lead_id, r.kind)
            for r in conn.execute(sa.select(decisions.c.lead_id, decisions.c.kind))
        )
        assert verify_chain(conn, agency_id=agency.id) is None  # one unforked audit chain
    engine.dispose()
    by_lead: dict[int, list[sa.Row]] = {}  # type: ignore[type-arg]
    for r in rows:
        by_lead.setdefault(r.lead_id, []).append(r)
    assert len(by_lead) == LEADS
    for lead_id, (old, new, *more) in ((k, v) for k, v in by_lead.items()):
        assert more == [], f"lead {lead_id} changed hands more than once"
        assert (old.kind, old.end_reason) == (
            "route",
            "reassigned: not contacted within 30 minutes",
        )
        assert (new.kind, new.state, new.ended_at) == ("reassign", "active", None)
        assert kinds[(lead_id, "reassign")] == 1
    for r in rows:
        assert len(r.done_steps) == len(set(r.done_steps))
    per_lead = Counter(
        (m.event, m.channel, (m.payload or {}).get("lead_id"))
        for m in messages
        if m.event in ("lead.reassigned", "lead.assigned") and m.channel == "inapp"
    )
    assert set(per_lead.values()) == {1, 2} and all(
        per_lead[("lead.reassigned", "inapp", lead)] == 1
        and per_lead[("lead.assigned", "inapp", lead)] == 2
        for lead in by_lead
    )
    _every_recorded_step_has_its_messages_and_no_message_lacks_its_step(rows, messages)
    assert "Traceback" not in log.read_text()


def _every_recorded_step_has_its_messages_and_no_message_lacks_its_step(
    rows: list[sa.Row],
    messages: list[sa.Row],  # type: ignore[type-arg]
) -> None:
    queued: dict[int, set[str]] = {}
    for m in messages:
        if m.dedupe_key and m.dedupe_key.startswith("timer:") and m.channel != "webhook":
            _, _, assignment, rest = m.dedupe_key.split(":", 3)
            queued.setdefault(int(assignment), set()).add(rest.rsplit(":", 2)[0])
    sending = (
        "esc:alert_producer:",
        "esc:warn_producer:",
        "esc:alert_manager:",
        "cad:email_consumer:",
        "cad:sms_consumer:",
        "cad:call_reminder:",
    )
    carried: dict[int, set[str]] = {}
    for r in rows:  # oldest first: a lead's first assignment hands its per-lead steps on
        done = {k for k in r.done_steps if k.startswith(sending)}
        own = done - carried.get(r.lead_id, set())
        assert queued.get(r.id, set()) == own, f"assignment {r.id}"
        carried[r.lead_id] = set(per_lead_keys(r.done_steps))
