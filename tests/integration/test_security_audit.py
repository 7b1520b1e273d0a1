"""A tamper-proof audit trail: keyed chain and signed checkpoints (issue 9, item 5)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadrouter.bootstrap import Container
from leadrouter.cli import app
from leadrouter.store.audit import verify_chain
from leadrouter.store.tables import decisions, outbox
from tests.support.factories import make_agency, make_chain


@pytest.fixture
def runner(db_url: str) -> CliRunner:
    return CliRunner(env={"LEADROUTER_DATABASE_URL": db_url, "COLUMNS": "250"})


def _without_triggers(container: Container, *changes: sa.Executable) -> None:
    """Change the log as someone owning the database file could."""
    with container.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE decisions DISABLE TRIGGER decisions_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS decisions_no_update"))
            conn.execute(sa.text("DROP TRIGGER IF EXISTS decisions_no_delete"))
        for change in changes:
            conn.execute(change)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE decisions ENABLE TRIGGER decisions_append_only"))


def _rehash_unkeyed(container: Container, agency_id: int, edit_seq: int) -> None:
    """Edit one record and recompute every hash the way the old, unkeyed chain did."""
    with container.engine.connect() as conn:
        rows = conn.execute(
            sa.select(decisions).where(decisions.c.agency_id == agency_id).order_by(decisions.c.seq)
        ).all()
    changes, prev = [], "0" * 64
    for r in rows:
        producer = 999 if r.seq == edit_seq else r.producer_id
        content = {
            "agency_id": r.agency_id,
            "seq": r.seq,
            "lead_id": r.lead_id,
            "kind": r.kind,
            "outcome": r.outcome,
            "producer_id": producer,
            "policy_version": r.policy_version,
            "explanation": r.explanation,
            "actor": r.actor,
            "created_at": r.created_at.isoformat(timespec="microseconds"),
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        changes.append(
            decisions.update()
            .where(decisions.c.id == r.id)
            .values(producer_id=producer, prev_hash=prev, hash=digest, chain_version=1)
        )
        prev = digest
    _without_triggers(container, *changes)


def test_a_chain_edited_and_recomputed_without_the_key_no_longer_verifies(
    container: Container,
) -> None:
    agency = make_agency(container)
    make_chain(container, agency.id, 5)
    with container.engine.connect() as conn:
        assert verify_chain(conn, agency_id=agency.id) is None
    with container.engine.connect() as conn:
        third = conn.execute(sa.select(decisions).where(decisions.c.seq == 3)).one()
    forged = hashlib.sha256(b"a guess at the key").hexdigest()
    _without_triggers(
        container,
        decisions.update().where(decisions.c.id == third.id).values(producer_id=999, hash=forged),
    )

    with container.engine.connect() as conn:
        broken = verify_chain(conn, agency_id=agency.id)
    assert broken is not None and broken.seq == 3


def _checkpointed(runner: CliRunner, container: Container, tmp_path: Path) -> tuple[int, Path]:
    """An agency with a chain of five decisions, and the checkpoint file taken of it."""
    agency = make_agency(container)
    make_chain(container, agency.id, 5)
    kept = tmp_path / "checkpoints.json"
    assert runner.invoke(app, ["audit", "checkpoint", "--out", str(kept)]).exit_code == 0
    return agency.id, kept


def test_verify_against_a_checkpoint_detects_a_deleted_tail(
    runner: CliRunner, container: Container, tmp_path: Path
) -> None:
    agency_id, kept = _checkpointed(runner, container, tmp_path)
    make_chain(container, agency_id, 2, first=5)
    assert runner.invoke(app, ["audit", "verify", "--against", str(kept)]).exit_code == 0

    _without_triggers(container, sa.delete(decisions).where(decisions.c.seq >= 4))

    alone = runner.invoke(app, ["audit", "verify"])
    against = runner.invoke(app, ["audit", "verify", "--against", str(kept)])
    assert alone.exit_code == 0  # what is left is a perfect chain: only the checkpoint knows
    assert against.exit_code == 1
    assert "records are missing: the chain ends at 3" in against.output


def test_verify_against_a_checkpoint_detects_a_chain_rehashed_from_the_start(
    runner: CliRunner, container: Container, tmp_path: Path
) -> None:
    agency_id, kept = _checkpointed(runner, container, tmp_path)

    _rehash_unkeyed(container, agency_id, edit_seq=2)

    against = runner.invoke(app, ["audit", "verify", "--against", str(kept)])
    assert against.exit_code == 1
    assert "record 5 no longer has the hash the checkpoint" in against.output


def test_a_checkpoint_edited_to_match_a_shortened_chain_is_refused(
    runner: CliRunner, container: Container, tmp_path: Path
) -> None:
    _, kept = _checkpointed(runner, container, tmp_path)
    [document] = json.loads(kept.read_text())
    kept.write_text(json.dumps([{**document, "head_seq": 3, "count": 3}]))

    against = runner.invoke(app, ["audit", "verify", "--against", str(kept)])
    assert against.exit_code == 1
    assert "signature is not valid" in against.output


def test_checkpoints_are_issued_listed_and_sent_to_subscribed_webhooks(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    make_chain(container, agency.id, 3)
    subscribed = client.post(
        "/v1/webhook-endpoints",
        json={"url": "https://hooks.example.com/audit", "events": ["audit.checkpoint"]},
        headers=agency.headers,
    )
    assert subscribed.status_code == 201, subscribed.text

    issued = client.post("/v1/audit/checkpoints", headers=agency.headers)
    listed = client.get("/v1/audit/checkpoints", headers=agency.headers)

    assert issued.status_code == 201
    assert issued.json()["head_seq"] == 3 and issued.json()["count"] == 3
    assert len(issued.json()["signature"]) == 64
    assert listed.json() == {"items": [issued.json()], "next_cursor": None}
    with container.engine.connect() as conn:
        sent = conn.execute(
            sa.select(outbox.c.payload).where(outbox.c.event == "audit.checkpoint")
        ).scalar_one()
    assert sent == issued.json()
