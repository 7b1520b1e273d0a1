"""Live calls' rows: open, find, change; who may not be dialed; producers' phones.

The statements are built once (a call's hooks run them on every provider request, and
composing a statement costs more than SQLite takes to run it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.db import upsert_insert_for
from leadrouter.store.tables import calls, decisions, producers

LIVE = ("dialing", "bridged")

_BY_SID = sa.select(calls).where(
    calls.c.agency_id == sa.bindparam("agency_id"), calls.c.call_sid == sa.bindparam("sid")
)
_BY_ID = sa.select(calls).where(calls.c.id == sa.bindparam("call_id"))
_CHANGE = calls.update().where(calls.c.id == sa.bindparam("call_id_"))
# Who may not be dialed, in one read: producers whose presence is not ``available`` (with
# it), then the live calls' producers (with who they ring), the call asking left out.
_NOT_DIALABLE = sa.union_all(
    sa.select(
        producers.c.id.label("producer_id"),
        producers.c.presence.label("presence"),
        sa.cast(sa.null(), calls.c.ringing.type).label("ringing"),
    ).where(
        producers.c.agency_id == sa.bindparam("agency_id"), producers.c.presence != "available"
    ),
    sa.select(calls.c.producer_id, sa.null(), calls.c.ringing).where(
        calls.c.agency_id == sa.bindparam("agency_id"),
        calls.c.status.in_(LIVE),
        calls.c.producer_id.is_not(None),
        calls.c.id != sa.bindparam("but"),
    ),
)
_PHONES = sa.select(producers.c.id, producers.c.phone).where(
    producers.c.id.in_(sa.bindparam("ids", expanding=True))
)
_LAST_VERSION = (
    sa.select(decisions.c.policy_version)
    .where(decisions.c.lead_id == sa.bindparam("lead_id"))
    .order_by(decisions.c.id.desc())
    .limit(1)
)


def find(conn: sa.Connection, agency_id: int, sid: str) -> Any:
    """The agency's call with this provider SID, or None."""
    return conn.execute(_BY_SID, {"agency_id": agency_id, "sid": sid}).first()


def get(conn: sa.Connection, call_id: int) -> Any:
    return conn.execute(_BY_ID, {"call_id": call_id}).one()


def open_call(conn: sa.Connection, *, agency_id: int, sid: str, phone: str, now: datetime) -> Any:
    """The call with this provider SID: a new one asking where the caller is (``gathering``),
    or the one a retried or later request of the provider finds; its row. A new call costs
    one statement (the insert gives its row back)."""
    values = {
        "agency_id": agency_id,
        "call_sid": sid,
        "from_number": phone,
        "status": "gathering",
        "tried": [],
        "rings": 0,
        "created_at": now,
        "updated_at": now,
    }
    row = conn.execute(_open_statement(conn.dialect.name), values).first()
    return row if row is not None else find(conn, agency_id, sid)


@functools.cache
def _open_statement(dialect: str) -> Any:
    """The dialect's insert of a new call that does nothing when its SID is known, built once."""
    insert = upsert_insert_for(dialect)
    conflict = insert(calls).on_conflict_do_nothing(index_elements=["agency_id", "call_sid"])
    return conflict.returning(*calls.c)


def change(conn: sa.Connection, call_id: int, **values: Any) -> None:
    """Set these columns of the call."""
    conn.execute(_CHANGE, {"call_id_": call_id, **values})


def not_dialable(conn: sa.Connection, agency_id: int, *, but: int | None = None) -> dict[int, str]:
    """Producers who may not be dialed now, with why: their presence is not ``available``,
    or they are rung or talking on a live call (other than call ``but``)."""
    out: dict[int, str] = {}
    for pid, presence, ringing in conn.execute(
        _NOT_DIALABLE, {"agency_id": agency_id, "but": -1 if but is None else but}
    ):
        if presence is not None:
            out[int(pid)] = f"presence {presence}"
            continue
        for rung in ringing or [pid]:
            out.setdefault(int(rung), "on another call")
    return out


def phones(conn: sa.Connection, producer_ids: Iterable[int]) -> dict[int, str]:
    """Producers' phone numbers by id."""
    rows = conn.execute(_PHONES, {"ids": list(producer_ids)})
    return {int(pid): str(phone or "") for pid, phone in rows}


def last_policy_version(conn: sa.Connection, lead_id: int) -> int:
    """The policy version of the lead's newest decision (0 when it has none)."""
    found = conn.execute(_LAST_VERSION, {"lead_id": lead_id}).scalar()
    return int(found or 0)
