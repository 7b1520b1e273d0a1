"""Live calls for the dashboard: callers waiting (asked for a ZIP), ringing and talking."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import lead_display_name
from leadrouter.intake.phones import for_display
from leadrouter.store.tables import calls, leads, producers
from leadrouter.store.uow import UnitOfWork

SHOWN = {"gathering": "waiting", "dialing": "ringing", "bridged": "in progress"}
# A call the provider never reported the end of (a caller who hung up while asked for a ZIP)
# stops being shown after this long.
STALE_AFTER = timedelta(hours=2)


def live_calls(*, uow: UnitOfWork, agency_id: int, now: datetime) -> list[dict[str, Any]]:
    """Calls waiting, ringing or in progress, oldest first: caller, state, line, status,
    the producers being dialed (or talking), and how long the call has lasted."""
    with uow:
        conn = uow.conn
        rows = conn.execute(
            sa.select(
                calls.c.id,
                calls.c.from_number,
                calls.c.status,
                calls.c.producer_id,
                calls.c.ringing,
                calls.c.lead_id,
                calls.c.created_at,
                leads.c.state,
                leads.c.insurance_type,
                leads.c.first_name,
                leads.c.last_name,
            )
            .outerjoin(leads, leads.c.id == calls.c.lead_id)
            .where(
                calls.c.agency_id == agency_id,
                calls.c.status.in_(tuple(SHOWN)),
                calls.c.created_at >= now - STALE_AFTER,
            )
            .order_by(calls.c.id)
        ).all()
        ids = {int(p) for r in rows for p in (r.ringing or [r.producer_id]) if p is not None}
        names = (
            dict(
                conn.execute(
                    sa.select(producers.c.id, producers.c.name).where(producers.c.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
    out = []
    for r in rows:
        dialed = [] if r.status == "gathering" else (r.ringing or [r.producer_id])
        out.append(
            {
                "id": r.id,
                "caller": lead_display_name(r.first_name, r.last_name, for_display(r.from_number)),
                "phone": r.from_number,
                "lead_id": r.lead_id,
                "state": r.state,
                "insurance_type": r.insurance_type,
                "status": SHOWN[r.status],
                "producers": [names.get(int(p), f"producer {p}") for p in dialed if p],
                "elapsed_seconds": max(0, int((now - r.created_at).total_seconds())),
            }
        )
    return out
