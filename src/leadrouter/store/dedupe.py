"""Repeat leads (same phone or email within the agency's window) and existing clients.

One round trip answers every question: a UNION ALL of one-row lookups, each on its
``(agency_id, phone|email, ...)`` index. A request repeats the consumer's newest lead for the
same line (insurance type); without one, it is related to their newest lead of any line
(home after auto: a new lead, linked). A phone match wins over an email match. The caller
holds the contact locks (``contact_lock_names``) from before the lookup until it commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.prepared import per_shape
from leadrouter.store.tables import clients, leads


@dataclass(frozen=True)
class Matches:
    repeat_of: int | None = None
    repeat_matched_on: str | None = None
    client_id: int | None = None
    related_to: int | None = None  # the newest lead of another line (no repeat_of then)


def contact_lock_names(agency_id: int, phone: str | None, email: str | None) -> list[str]:
    """The lock names that serialize intake of leads sharing a phone or an email."""
    names = []
    if phone:
        names.append(f"lead-phone:{agency_id}:{phone}")
    if email:
        names.append(f"lead-email:{agency_id}:{email}")
    return names


def lookup(
    conn: sa.Connection,
    *,
    agency_id: int,
    phone: str | None,
    email: str | None,
    repeat_since: datetime | None,
    insurance_type: str | None = None,
) -> Matches:
    """The newest lead for ``insurance_type`` (None: any line) since ``repeat_since`` (None:
    do not look), else the newest of any line, and the oldest client that share this phone,
    else this email."""
    if phone is None and email is None:
        return Matches()
    by_line = insurance_type is not None
    query = _prepared(phone is not None, email is not None, repeat_since is not None, by_line)
    params = {
        "agency_id": agency_id,
        "phone": phone,
        "email": email,
        "since": repeat_since,
        "insurance_type": insurance_type,
    }
    found = {kind: int(id_) for kind, id_ in query.execute(conn, params)}
    if not by_line:
        found |= {
            f"same:{n}": found[f"lead:{n}"] for n in ("phone", "email") if f"lead:{n}" in found
        }
    repeat_on = next((n for n in ("phone", "email") if f"same:{n}" in found), None)
    related = next((found[f"lead:{n}"] for n in ("phone", "email") if f"lead:{n}" in found), None)
    return Matches(
        repeat_of=found[f"same:{repeat_on}"] if repeat_on else None,
        repeat_matched_on=repeat_on,
        client_id=found.get("client:phone", found.get("client:email")),
        related_to=None if repeat_on else related,
    )


@functools.cache
def _query(by_phone: bool, by_email: bool, repeats: bool, by_line: bool) -> sa.CompoundSelect[Any]:
    # Built once per shape, so SQLAlchemy compiles it once; each lookup only binds values.
    parts = []
    for name, wanted in (("phone", by_phone), ("email", by_email)):
        if not wanted:
            continue
        if repeats:
            for kind, same_line in (
                (("same", True), ("lead", False)) if by_line else (("lead", False),)
            ):
                where = [
                    leads.c.agency_id == sa.bindparam("agency_id"),
                    leads.c[name] == sa.bindparam(name),
                    leads.c.created_at >= sa.bindparam("since"),
                ]
                if same_line:
                    where.append(leads.c.insurance_type == sa.bindparam("insurance_type"))
                parts.append(
                    sa.select(sa.literal_column(f"'{kind}:{name}'").label("kind"), leads.c.id)
                    .where(*where)
                    .order_by(leads.c.created_at.desc(), leads.c.id.desc())
                    .limit(1)
                )
        parts.append(
            sa.select(sa.literal_column(f"'client:{name}'").label("kind"), clients.c.id)
            .where(
                clients.c.agency_id == sa.bindparam("agency_id"),
                clients.c[name] == sa.bindparam(name),
            )
            .order_by(clients.c.id)
            .limit(1)
        )
    return sa.union_all(*(sa.select(p.subquery()) for p in parts))


_prepared = per_shape(_query)
