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


# The columns a record's hash covers, besides its explanation and time.
_HASHED = (
    "agency_id",
    "seq",
    "lead_id",
    "kind",
    "outcome",
    "producer_id",
    "policy_version",
    "actor",
)


def _content(
    fields: Mapping[str, Any] | sa.RowMapping,
    explanation: Mapping[str, Any] | None,
    created_at: datetime,
) -> dict[str, Any]:
    """What a record's hash covers: its ``_HASHED`` fields, explanation and time."""
    return {
        **{name: fields[name] for name in _HASHED},
        "explanation": explanation,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }


def chain_head(conn: sa.Connection, agency_id: int) -> tuple[int, str]:
    """The sequence number and hash of the agency's last record ((0, GENESIS) when empty)."""
    last = conn.execute(_HEAD, {"agency_id": agency_id}).first()
    return (int(last.seq), str(last.hash)) if last else (0, GENESIS)


def append_decision(
    conn: sa.Connection, *, head: tuple[int, str] | None = None, **fields: Any
) -> int:
    """Append one decision to the agency's chain and return its id; ``fields`` are
    ``decision_record``'s (agency_id, lead_id, kind, outcome, producer_id, policy_version,
    explanation, actor, now).

    ``head`` is the chain's last (seq, hash) when the caller read it under the agency's lock
    already; otherwise it is read here.
    """
    return append_to_chain(conn, head=head, **fields)[0]


def append_to_chain(
    conn: sa.Connection, *, head: tuple[int, str] | None = None, **fields: Any
) -> tuple[int, tuple[int, str]]:
    """``append_decision``: the new record's id, and the chain's head after it (its seq and
    hash), for a caller appending again in the same transaction without reading it back."""
    if head is None:
        head = chain_head(conn, fields["agency_id"])
    record = decision_record(conn, **fields, head=head)
    decision_id = int(conn.execute(INSERT_DECISION, record).scalar_one())
    return decision_id, head_of(record)


def head_of(record: Mapping[str, Any]) -> tuple[int, str]:
    """The chain's head once ``record`` (a ``decision_record``) is written: its seq and hash."""
    return int(record["seq"]), str(record["hash"])


def decision_record(
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
    head: tuple[int, str],
) -> dict[str, Any]:
    """The next record of the chain after ``head`` (its last seq and hash), hashed: the
    parameters of ``INSERT_DECISION``."""
    last_seq, prev_hash = head
    seq = last_seq + 1
    # The explanation holds JSON values only (str, int, float, bool, None, list, dict), so
    # what the hash covers is exactly what the JSON column stores and gives back. It is
    # serialized once: the same text goes into the hash and into the column.
    text = json.dumps(explanation, sort_keys=True, separators=(",", ":"), default=str)
    fields: dict[str, Any] = {
        "agency_id": agency_id,
        "seq": seq,
        "lead_id": lead_id,
        "kind": kind,
        "outcome": outcome,
        "producer_id": producer_id,
        "policy_version": policy_version,
        "actor": actor,
    }
    content = _content(fields, None, now)  # explanation: spliced in
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    # Keys are sorted and string values escaped, so this key occurs exactly once.
    canonical = canonical.replace('"explanation":null', '"explanation":' + text, 1)
    return {
        **fields,
        "explanation": text,
        "created_at": now,
        "prev_hash": prev_hash,
        "hash": hmac.new(
            key_of(conn), (prev_hash + canonical).encode(), hashlib.sha256
        ).hexdigest(),
        "chain_version": KEYED,
    }


class DecisionChain:
    """The agency's decision log as a repository on the unit of work."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def head(self, agency_id: int) -> tuple[int, str]:
        """The last record's (seq, hash); (0, GENESIS) for an empty chain."""
        return chain_head(self._conn, agency_id)

    def append(self, **record: Any) -> int:
        """``append_decision`` in this transaction; the new record's id."""
        return append_decision(self._conn, **record)


class _JSONText(sa.types.TypeDecorator[str]):
    """JSON already serialized by the caller: bound as is, stored in the JSON column."""

    impl = sa.JSON
    cache_ok = True

    def bind_processor(self, dialect: sa.Dialect) -> None:
        return None


_HEAD = (
    sa.select(decisions.c.seq, decisions.c.hash)
    .where(decisions.c.agency_id == sa.bindparam("agency_id"))
    .order_by(decisions.c.seq.desc())
    .limit(1)
)
# The explanation column's parameter type: text the caller serialized (``decision_record``).
EXPLANATION_TEXT = _JSONText()
INSERT_DECISION = (
    decisions.insert()
    .values(explanation=sa.bindparam("explanation", type_=EXPLANATION_TEXT))
    .returning(decisions.c.id)
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
            content = _content(r._mapping, r.explanation, r.created_at)
            if not hmac.compare_digest(_digest(r.prev_hash, content, r.chain_version, key), r.hash):
                return BrokenLink(r.seq, r.id, "content was changed after it was written")
            expected_prev, expected_seq, after = r.hash, r.seq + 1, r.seq
