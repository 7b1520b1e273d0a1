"""Live calls' rows: find, add, change; who is on a call; producers' phones.

The statements are built once (a call's hooks run them on every provider request, and
composing a statement costs more than SQLite takes to run it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.tables import calls, decisions, producers

LIVE = ("dialing", "bridged")

_BY_SID = sa.select(calls).where(
    calls.c.agency_id == sa.bindparam("agency_id"), calls.c.call_sid == sa.bindparam("sid")
)
_BY_ID = sa.select(calls).where(calls.c.id == sa.bindparam("call_id"))
_ADD = calls.insert().returning(*calls.c)
_CHANGE = calls.update().where(calls.c.id == sa.bindparam("call_id_"))
_ON_CALLS = sa.select(calls.c.id, calls.c.producer_id, calls.c.ringing).where(
    calls.c.agency_id == sa.bindparam("agency_id"),
    calls.c.status.in_(LIVE),
    calls.c.producer_id.is_not(None),
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


def add(conn: sa.Connection, *, agency_id: int, sid: str, phone: str, now: datetime) -> Any:
    """A new call, asking where the caller is (``gathering``); its row."""
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
    return conn.execute(_ADD, values).one()


def change(conn: sa.Connection, call_id: int, **values: Any) -> None:
    """Set these columns of the call."""
    conn.execute(_CHANGE, {"call_id_": call_id, **values})


def on_calls(conn: sa.Connection, agency_id: int, *, but: int | None = None) -> set[int]:
    """Producers being rung or talking on a live call (other than call ``but``)."""
    out: set[int] = set()
    for call_id, pid, ringing in conn.execute(_ON_CALLS, {"agency_id": agency_id}):
        if call_id != but:
            out.update(int(p) for p in ringing or [pid])
    return out


def phones(conn: sa.Connection, producer_ids: Iterable[int]) -> dict[int, str]:
    """Producers' phone numbers by id."""
    rows = conn.execute(_PHONES, {"ids": list(producer_ids)})
    return {int(pid): str(phone or "") for pid, phone in rows}


def last_policy_version(conn: sa.Connection, lead_id: int) -> int:
    """The policy version of the lead's newest decision (0 when it has none)."""
    found = conn.execute(_LAST_VERSION, {"lead_id": lead_id}).scalar()
    return int(found or 0)
