"""Signed checkpoints of an agency's decision chain: head sequence, head hash, count, time.

A checkpoint is signed with the audit key and meant to be kept where the database cannot
rewrite it (a file, a receiver of the ``audit.checkpoint`` webhook). Checked against the chain
later, it shows a deleted tail (the chain no longer reaches the checkpoint's head) and a
recomputed chain (the record at the head no longer has the signed hash).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.paging import Page, page
from leadrouter.store.audit import GENESIS, key_of
from leadrouter.store.tables import audit_checkpoints, decisions


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of where an agency's chain stood at ``at``."""

    agency_id: int
    head_seq: int
    head_hash: str
    count: int
    at: str  # ISO 8601, UTC
    signature: str = ""

    def document(self) -> dict[str, Any]:
        """The checkpoint as JSON-ready data (what files and webhooks carry)."""
        return asdict(self)


def _signed_text(c: Checkpoint) -> bytes:
    fields = {k: v for k, v in asdict(c).items() if k != "signature"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def sign(c: Checkpoint, key: bytes) -> Checkpoint:
    """The checkpoint with its HMAC-SHA256 signature under ``key``."""
    mac = hmac.new(key, _signed_text(c), hashlib.sha256).hexdigest()
    return Checkpoint(**{**asdict(c), "signature": mac})


def signature_valid(c: Checkpoint, key: bytes) -> bool:
    """Whether ``key`` signed the checkpoint as it stands."""
    return hmac.compare_digest(sign(c, key).signature, c.signature)


def take(conn: sa.Connection, *, agency_id: int, now: datetime) -> Checkpoint:
    """Sign the chain's current head and keep the checkpoint; the caller commits."""
    head = conn.execute(
        sa.select(decisions.c.seq, decisions.c.hash)
        .where(decisions.c.agency_id == agency_id)
        .order_by(decisions.c.seq.desc())
        .limit(1)
    ).first()
    count = conn.execute(
        sa.select(sa.func.count()).select_from(decisions).where(decisions.c.agency_id == agency_id)
    ).scalar_one()
    checkpoint = sign(
        Checkpoint(
            agency_id=agency_id,
            head_seq=head.seq if head else 0,
            head_hash=head.hash if head else GENESIS,
            count=int(count),
            at=now.isoformat(timespec="seconds"),
        ),
        key_of(conn),
    )
    conn.execute(
        audit_checkpoints.insert().values(
            agency_id=agency_id,
            head_seq=checkpoint.head_seq,
            head_hash=checkpoint.head_hash,
            count=checkpoint.count,
            at=now,
            signature=checkpoint.signature,
        )
    )
    return checkpoint


def kept(
    conn: sa.Connection, *, agency_id: int, cursor: str | None, limit: int = 100
) -> Page[Checkpoint]:
    """A page of the agency's checkpoints, newest first."""
    return page(
        conn,
        sa.select(audit_checkpoints).where(audit_checkpoints.c.agency_id == agency_id),
        audit_checkpoints,
        kind="checkpoint",
        cursor=cursor,
        limit=limit,
        build=_checkpoint,
        descending=True,
        max_limit=1000,
    )


def _checkpoint(r: Mapping[str, Any]) -> Checkpoint:
    return Checkpoint(
        agency_id=r["agency_id"],
        head_seq=r["head_seq"],
        head_hash=r["head_hash"],
        count=r["count"],
        at=r["at"].isoformat(timespec="seconds"),
        signature=r["signature"],
    )


def disagreement(conn: sa.Connection, c: Checkpoint) -> str | None:
    """How the chain disagrees with a checkpoint (None when it still holds what was signed)."""
    if not signature_valid(c, key_of(conn)):
        return "the checkpoint's signature is not valid under this server's audit key"
    if c.head_seq == 0:
        return None
    head = conn.execute(
        sa.select(sa.func.max(decisions.c.seq)).where(decisions.c.agency_id == c.agency_id)
    ).scalar()
    if head is None or head < c.head_seq:
        return (
            f"records are missing: the chain ends at {head or 0} but the checkpoint "
            f"of {c.at} saw {c.head_seq}"
        )
    at_head = conn.execute(
        sa.select(decisions.c.hash).where(
            decisions.c.agency_id == c.agency_id, decisions.c.seq == c.head_seq
        )
    ).scalar()
    if at_head != c.head_hash:
        return f"record {c.head_seq} no longer has the hash the checkpoint of {c.at} signed"
    return None
