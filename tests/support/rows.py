"""Minimal rows inserted straight into the tables, for tests of the store layer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from leadrouter.store.tables import leads


def insert_lead(conn: sa.Connection, *, agency_id: int, now: datetime, **values: object) -> int:
    row: dict[str, object] = {
        "agency_id": agency_id,
        "status": "new",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": None,
        "phone": None,
        "zip": "10001",
        "state": "NY",
        "county": "New York County",
        "city": "New York",
        "timezone": "America/New_York",
        "insurance_type": "personal_auto",
        "business_line": "personal",
        "exclusive": False,
        "attributes": {},
        "flags": {},
        "do_not_contact": False,
        "touch_count": 1,
        "last_touch_at": now,
        "created_at": now,
        "status_changed_at": now,
    }
    row.update(values)
    return int(conn.execute(leads.insert().values(**row).returning(leads.c.id)).scalar_one())
