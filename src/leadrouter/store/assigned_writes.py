"""The writes of an assigned decision, in one statement on PostgreSQL.

The capacity claim, the audit record, the assignment (which points at the record), the
rotation counters, the lead's owner and status, its status history row and the outbox rows
that announce it: on PostgreSQL
one statement of data-modifying CTEs (``INSERT ... RETURNING`` feeding the next), one round
trip while the agency's routing lock is held instead of six or seven; on SQLite, which has
no such CTEs, the same writes one after another. The claim comes first and every other
write is conditional on it: a refused claim writes nothing more (the caller abandons the
transaction, which takes the claim's own first half back).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from leadrouter.store import routing_repo
from leadrouter.store.audit import EXPLANATION_TEXT, INSERT_DECISION
from leadrouter.store.leads import LeadRepository, status_row
from leadrouter.store.outbox import insert_rows
from leadrouter.store.prepared import Prepared, per_shape
from leadrouter.store.tables import (
    assignments,
    decisions,
    lead_status_changes,
    leads,
    outbox,
    rotation_counters,
)
from leadrouter.store.types import UTCDateTime

_ASSIGNMENT = ("agency_id", "lead_id", "producer_id", "license_id", "kind", "state",
               "started_at", "accept_by", "next_due_at", "done_steps")  # fmt: skip
_OUTBOX = ("agency_id", "channel", "event", "recipient", "payload", "status", "attempts",
           "next_attempt_at", "created_at", "dedupe_key")  # fmt: skip


@dataclass(frozen=True)
class Rotation:
    """One more lead for ``winner`` in ``pool``; ``seeds`` join the pool at ``floor`` first."""

    agency_id: int
    pool: str
    winner: int
    seeds: Sequence[int]
    floor: int


@dataclass(frozen=True)
class OwnerChange:
    """The lead's owner, and ``expected`` moved to ``status`` (``status == expected``: the
    status stays, no history row); ``reason`` is the history row's, before the record id."""

    lead_id: int
    agency_id: int
    owner_id: int
    status: str
    expected: str
    at: Any
    reason_prefix: str


@dataclass(frozen=True)
class Claim:
    """One more open lead, and one more lead on ``today``, for the producer, within caps."""

    producer_id: int
    today: date
    agency_id: int


@dataclass(frozen=True)
class AssignedWrites:
    """The audit ``record`` (``audit.decision_record``), the ``assignment`` (its columns but
    ``decision_id``), the rotation (None: no pool), the owner (None: the caller takes the
    checked path) and the capacity claim (None: claimed already, or not to be)."""

    record: Mapping[str, Any]
    assignment: Mapping[str, Any]
    rotation: Rotation | None
    owner: OwnerChange | None
    claim: Claim | None = None
    outbox: Sequence[Mapping[str, Any]] = ()  # rows (``outbox.Message.row``) to write with it
    # Status rows (``leads.status_row``) staged before it, the lead's first: written ahead of
    # the owner change's own, in its statement. Staged on SQLite only (on PostgreSQL the
    # lead's insert writes its first row in the same statement).
    history: Sequence[Mapping[str, Any]] = ()


def write_assigned(conn: sa.Connection, writes: AssignedWrites) -> tuple[int, Any] | None:
    """Carry out ``writes``; the record's id and the lead's row after (None when there was no
    owner to give or the lead was no longer ``owner.expected``), or None when the claim was
    refused (the caller abandons its transaction)."""
    record, assignment, rotation, owner, claim = (
        writes.record, writes.assignment, writes.rotation, writes.owner, writes.claim
    )  # fmt: skip
    if conn.dialect.name != "postgresql":
        return _one_by_one(conn, writes)
    if writes.history:  # not staged on PostgreSQL (see ``AssignedWrites.history``)
        LeadRepository(conn).record_statuses(writes.history)
    params: dict[str, Any] = {f"d_{k}": v for k, v in record.items()}
    if claim is not None:
        params |= routing_repo.claim_params(
            producer_id=claim.producer_id, today=claim.today, agency_id=claim.agency_id
        )
    if writes.outbox:
        params |= {
            f"o_{c}": [json.dumps(r[c]) if c == "payload" else r[c] for r in writes.outbox]
            for c in _OUTBOX
        }
    params |= {f"a_{k}": assignment[k] for k in _ASSIGNMENT}
    if rotation is not None:
        producers, counts = _rotation_counts(rotation)
        params |= {
            "r_agency_id": rotation.agency_id,
            "r_pool": rotation.pool,
            "r_producers": producers,
            "r_counts": counts,
            "r_winner": rotation.winner,
        }
    moves = owner is not None and owner.status != owner.expected
    if owner is not None:
        params |= {
            "l_id": owner.lead_id,
            "l_owner": owner.owner_id,
            "l_at": owner.at,
            "l_status": owner.status,
            "l_changed_at": owner.at if moves else None,
            "l_was": owner.expected,
            "s_agency": owner.agency_id,
            "s_reason": owner.reason_prefix,
        }
    shape = _prepared(
        rotation is not None, owner is not None, moves, claim is not None, bool(writes.outbox)
    )
    found = shape.first(conn, params)
    if found is None:
        return None  # the claim was refused: nothing else was written
    after = found if owner is not None and found.id is not None else None
    return int(found.decision_id), after


def _rotation_counts(rotation: Rotation) -> tuple[list[int], list[int]]:
    """The counters to insert, as producer ids and counts: each newcomer at the floor (the
    winner, if new, one above); an existing winner's row conflicts and counts one more."""
    producers = list(rotation.seeds)
    counts = [rotation.floor + (p == rotation.winner) for p in producers]
    if rotation.winner not in rotation.seeds:
        producers.append(rotation.winner)
        counts.append(1)
    return producers, counts


def _one_by_one(conn: sa.Connection, writes: AssignedWrites) -> tuple[int, Any] | None:
    record, assignment, rotation, owner, claim = (
        writes.record, writes.assignment, writes.rotation, writes.owner, writes.claim
    )  # fmt: skip
    if claim is not None and not routing_repo.claim_capacity(
        conn, producer_id=claim.producer_id, today=claim.today, agency_id=claim.agency_id
    ):
        return None
    decision_id = int(_INSERT_DECISION.execute(conn, record)[0][0])
    _INSERT_ASSIGNMENT.execute(conn, {**assignment, "decision_id": decision_id})
    if rotation is not None:
        routing_repo.seed_rotation(
            conn,
            agency_id=rotation.agency_id,
            pool=rotation.pool,
            producer_ids=rotation.seeds,
            count=rotation.floor,
        )
        routing_repo.bump_rotation(
            conn, agency_id=rotation.agency_id, pool=rotation.pool, producer_id=rotation.winner
        )
    insert_rows(conn, writes.outbox)
    store = LeadRepository(conn)
    if owner is None:
        store.record_statuses(writes.history)
        return decision_id, None
    after = store.give_owner(
        owner.lead_id,
        owner_id=owner.owner_id,
        at=owner.at,
        status=owner.status,
        expected=owner.expected,
    )
    history = list(writes.history)
    if after is not None and owner.status != owner.expected:
        history.append(
            status_row(
                agency_id=owner.agency_id,
                lead_id=owner.lead_id,
                status=owner.status,
                at=owner.at,
                reason=f"{owner.reason_prefix}{decision_id}",
            )
        )
    store.record_statuses(history)  # one statement: the staged rows, then this one
    return decision_id, after


_INSERT_DECISION = Prepared(INSERT_DECISION)
_INSERT_ASSIGNMENT = Prepared(assignments.insert())


def _bind(table: sa.Table, prefix: str, names: Sequence[str]) -> dict[str, Any]:
    return {n: sa.bindparam(f"{prefix}{n}", type_=table.c[n].type) for n in names}


def _statement(
    rotation: bool, owner: bool, moves: bool, claim: bool, outbox_rows: bool
) -> sa.Select[Any]:
    """The CTE statement of one shape (built and compiled once per shape, by ``_prepared``:
    the rotation rows come as arrays through ``unnest``, as a multi-row VALUES would be a
    statement of another shape for every number of rows). With ``claim`` the
    record is written only if the claim held, and everything else hangs on the record (or
    on the claim), so a refused claim gives no row back and writes nothing more."""
    from sqlalchemy.dialects import postgresql

    claimed = routing_repo.claim_ctes() if claim else sa.true()
    record = _bind(decisions, "d_", [c.name for c in decisions.c if c.name != "id"])
    record["explanation"] = sa.bindparam("d_explanation", type_=EXPLANATION_TEXT)
    d = (
        decisions.insert()
        .from_select(list(record), sa.select(*record.values()).where(claimed))
        .returning(decisions.c.id)
        .cte("d")
    )
    values = _bind(assignments, "a_", _ASSIGNMENT)
    a = (
        assignments.insert()
        .from_select([*values, "decision_id"], sa.select(*values.values(), d.c.id))
        .returning(assignments.c.id)
        .cte("a")
    )
    ctes: list[Any] = [d, a]
    if rotation:
        rot = rotation_counters
        numbers = postgresql.ARRAY(sa.Integer)
        rows = sa.select(
            sa.bindparam("r_agency_id", type_=sa.Integer),
            sa.bindparam("r_pool", type_=rot.c.pool.type),
            sa.func.unnest(sa.bindparam("r_producers", type_=numbers)),
            sa.func.unnest(sa.bindparam("r_counts", type_=numbers)),
        ).where(claimed)
        insert = postgresql.insert(rot).from_select(
            ["agency_id", "pool", "producer_id", "count"], rows
        )
        winner = sa.bindparam("r_winner", type_=sa.Integer)
        more = sa.case((insert.excluded.producer_id == winner, 1), else_=0)
        ctes.append(
            insert.on_conflict_do_update(
                index_elements=[rot.c.agency_id, rot.c.pool, rot.c.producer_id],
                set_={"count": rot.c.count + more},
            )
            .returning(rot.c.producer_id)
            .cte("r")
        )
    if outbox_rows:
        ctes.append(_outbox_cte(d))
    if not owner:
        return sa.select(d.c.id.label("decision_id")).add_cte(*ctes)
    at = sa.bindparam("l_at", type_=UTCDateTime())
    lead = (
        leads.update()
        .where(
            leads.c.id == sa.bindparam("l_id", type_=sa.Integer),
            leads.c.status == sa.bindparam("l_was", type_=sa.String),
            sa.exists(sa.select(d.c.id)),
        )
        .values(
            owner_id=sa.bindparam("l_owner", type_=sa.Integer),
            first_assigned_at=sa.func.coalesce(leads.c.first_assigned_at, at),
            status=sa.bindparam("l_status", type_=sa.String),
            status_changed_at=sa.func.coalesce(
                sa.bindparam("l_changed_at", type_=UTCDateTime()), leads.c.status_changed_at
            ),
        )
        .returning(*leads.c)
        .cte("l")
    )
    ctes.append(lead)
    if moves:
        history = lead_status_changes
        reason = sa.bindparam("s_reason", type_=sa.Text) + sa.cast(d.c.id, sa.Text)
        ctes.append(
            history.insert()
            .from_select(
                ["agency_id", "lead_id", "status", "at", "reason"],
                sa.select(
                    sa.bindparam("s_agency", type_=sa.Integer),
                    lead.c.id,
                    lead.c.status,
                    at,
                    reason,
                ).select_from(lead.join(d, sa.true())),
            )
            .returning(history.c.id)
            .cte("s")
        )
    return (
        sa.select(d.c.id.label("decision_id"), *lead.c)
        .select_from(d.outerjoin(lead, sa.true()))
        .add_cte(*ctes)
    )


_prepared = per_shape(_statement)


def _outbox_cte(d: Any) -> Any:
    """The outbox rows, one array per column through ``unnest``, written if the record was
    (``ON CONFLICT DO NOTHING`` on the agency's dedupe key, as ``outbox.insert_rows``)."""
    from sqlalchemy.dialects import postgresql

    def column(name: str) -> Any:
        item = sa.Text() if name == "payload" else outbox.c[name].type
        values = sa.func.unnest(sa.bindparam(f"o_{name}", type_=postgresql.ARRAY(item)))
        return sa.cast(values, sa.JSON) if name == "payload" else values

    rows = sa.select(*(column(c) for c in _OUTBOX)).where(sa.exists(sa.select(d.c.id)))
    return (
        postgresql.insert(outbox)
        .from_select(list(_OUTBOX), rows)
        .on_conflict_do_nothing(index_elements=["agency_id", "dedupe_key"])
        .returning(outbox.c.id)
        .cte("o")
    )
