"""The append-only, keyed hash chain of each agency's decisions.

Each record's hash covers its own content and the previous record's hash, so changing,
removing or reordering any record breaks every link after it. Since chain version 2 the hash
is an HMAC-SHA256 under the server's audit key (``LEADROUTER_AUDIT_KEY``), so whoever can
write the database but does not hold the key cannot recompute a chain after editing it.
Records written before keying (version 1, plain SHA-256) stay verifiable; an unkeyed record
after a keyed one is a break. Signed checkpoints (``store.audit_checkpoints``) catch what a
chain alone cannot: a deleted tail, or a whole chain recomputed. Callers hold the agency's
routing lock (``store.locks.lock_agency``) while appending, so sequence numbers never fork.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.sealing import DEV_AUDIT_KEY
from leadrouter.store.tables import decisions

GENESIS = "0" * 64
UNKEYED, KEYED = 1, 2
_KEYS: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()


def use_key(engine: sa.Engine, key: bytes) -> None:
    """Key the chains written and verified through ``engine`` (the composition root calls it)."""
    _KEYS[engine.pool] = key


def key_of(conn: sa.Connection) -> bytes:
    """The audit key of the engine behind ``conn`` (the development key if none was set)."""
    return _KEYS.get(conn.engine.pool, DEV_AUDIT_KEY)


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    decision_id: int
    problem: str


def _digest(prev_hash: str, record: Mapping[str, Any], version: int, key: bytes) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    message = (prev_hash + canonical).encode()
    if version == UNKEYED:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _content(
    *,
    agency_id: int,
    seq: int,
    lead_id: int,
    kind: str,
    outcome: str,
    producer_id: int | None,
    policy_version: int,
    explanation: Mapping[str, Any],
    actor: str | None,
    created_at: datetime,
) -> dict[str, Any]:
    return {
        "agency_id": agency_id,
        "seq": seq,
        "lead_id": lead_id,
        "kind": kind,
        "outcome": outcome,
        "producer_id": producer_id,
        "policy_version": policy_version,
        "explanation": explanation,
        "actor": actor,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }


def append_decision(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    kind: str,
    outcome: str,
    producer_id: int | None,
    policy_version: int,
    explanation: Mapping[str, Any],
    actor: str | None,
    now: datetime,
) -> int:
    """Append one decision to the agency's chain and return its id."""
    last = conn.execute(
        sa.select(decisions.c.seq, decisions.c.hash)
        .where(decisions.c.agency_id == agency_id)
        .order_by(decisions.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    # The explanation holds JSON values only (str, int, float, bool, None, list, dict), so
    # what the hash covers is exactly what the JSON column stores and gives back.
    stored = dict(explanation)
    content = _content(
        agency_id=agency_id,
        seq=seq,
        lead_id=lead_id,
        kind=kind,
        outcome=outcome,
        producer_id=producer_id,
        policy_version=policy_version,
        explanation=stored,
        actor=actor,
        created_at=now,
    )
    return int(
        conn.execute(
            decisions.insert()
            .values(
                agency_id=agency_id,
                seq=seq,
                lead_id=lead_id,
                kind=kind,
                outcome=outcome,
                producer_id=producer_id,
                policy_version=policy_version,
                explanation=stored,
                actor=actor,
                created_at=now,
                prev_hash=prev_hash,
                hash=_digest(prev_hash, content, KEYED, key_of(conn)),
                chain_version=KEYED,
            )
            .returning(decisions.c.id)
        ).scalar_one()
    )


def verify_chain(
    conn: sa.Connection, *, agency_id: int, batch: int = 1000, key: bytes | None = None
) -> BrokenLink | None:
    """Walk the agency's chain from the start; the first broken link, or None if intact."""
    key = key_of(conn) if key is None else key
    expected_prev, expected_seq, after, keyed = GENESIS, 1, 0, False
    while True:
        rows = conn.execute(
            sa.select(decisions)
            .where(decisions.c.agency_id == agency_id, decisions.c.seq > after)
            .order_by(decisions.c.seq)
            .limit(batch)
        ).all()
        if not rows:
            return None
        for r in rows:
            if r.seq != expected_seq:
                return BrokenLink(r.seq, r.id, f"record {expected_seq} is missing")
            if r.prev_hash != expected_prev:
                return BrokenLink(r.seq, r.id, "does not point at the previous record's hash")
            if keyed and r.chain_version != KEYED:
                return BrokenLink(r.seq, r.id, "an unkeyed record after keyed ones")
            keyed = r.chain_version == KEYED
            content = _content(
                agency_id=r.agency_id,
                seq=r.seq,
                lead_id=r.lead_id,
                kind=r.kind,
                outcome=r.outcome,
                producer_id=r.producer_id,
                policy_version=r.policy_version,
                explanation=r.explanation,
                actor=r.actor,
                created_at=r.created_at,
            )
            if not hmac.compare_digest(_digest(r.prev_hash, content, r.chain_version, key), r.hash):
                return BrokenLink(r.seq, r.id, "content was changed after it was written")
            expected_prev, expected_seq, after = r.hash, r.seq + 1, r.seq
