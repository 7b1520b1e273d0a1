"""License expirations: alerts 90, 60 and 30 days ahead, and what happens when one lapses.

The worker runs the sweep every ten minutes (``worker.SWEEP_EVERY``); it is idempotent: each
alert is a ``license_alerts`` row keyed by (license, expiration date, days before), inserted
only if absent, and its messages go out only with the insert that created it. A lapse is the
row with ``days_before = 0``. A lapsed license already stops counting in every routing
decision (the gate runs at ``now``); the sweep flags the producer's open leads in that state
that the gate now refuses, and tells the producer, compliance and the supervisors. A renewal
moves the expiration date, so the next term gets its own alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.compliance import LINE_LABELS, check_gate
from leadrouter.domain.model import LeadStatus, LicenseStatus, Role
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.notify.messages import enqueue_email
from leadrouter.notify.templates import render_text
from leadrouter.paging import Page, page
from leadrouter.services.leads.settings import intake_context
from leadrouter.services.roster.common import agency_ids
from leadrouter.store.agency_repo import agency_timezone, agency_today
from leadrouter.store.db import insert_ignoring_conflict
from leadrouter.store.roster_repo import license_from_row, producer_from_row
from leadrouter.store.tables import agencies, leads, license_alerts, licenses, producers
from leadrouter.store.uow import UnitOfWork

__all__ = [
    "ALERT_DAYS",
    "SweepResult",
    "flag_unlicensed_leads",
    "list_license_alerts",
    "sweep",
    "sweep_all_agencies",
    "sweep_license_expirations",
]

ALERT_DAYS = (90, 60, 30)
LAPSED = 0
OPEN_STATUSES = (LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUOTED)
FLAG = "license_lapsed"


@dataclass(frozen=True)
class ExpiryAlert:
    license_id: int
    producer_id: int
    state: str
    expiration_date: date
    days_before: int
    days_left: int


@dataclass(frozen=True)
class Lapse:
    license_id: int
    producer_id: int
    state: str
    expiration_date: date
    flagged_leads: tuple[int, ...]


@dataclass(frozen=True)
class SweepResult:
    """What this sweep did; a second sweep on the same day finds nothing to do."""

    alerts: tuple[ExpiryAlert, ...]
    lapses: tuple[Lapse, ...]


def due_alert(days_left: int) -> int | None:
    """The alert a license with ``days_left`` is due: 90/60/30, 0 when lapsed, or None."""
    if days_left <= 0:
        return LAPSED
    return min((d for d in ALERT_DAYS if days_left <= d), default=None)


def sweep_license_expirations(conn: sa.Connection, *, agency_id: int, now: datetime) -> SweepResult:
    """Record and send the expiration alerts and lapses due at ``now``, each exactly once."""
    today = agency_today(conn, agency_id, now)
    agency_name = conn.execute(
        sa.select(agencies.c.name).where(agencies.c.id == agency_id)
    ).scalar_one()
    rows = (
        conn.execute(
            sa.select(
                licenses,
                producers.c.name.label("producer_name"),
                producers.c.email.label("producer_email"),
            )
            .join(producers, producers.c.id == licenses.c.producer_id)
            .where(
                licenses.c.agency_id == agency_id,
                licenses.c.status == LicenseStatus.ACTIVE,
                licenses.c.expiration_date.is_not(None),
                licenses.c.expiration_date <= today + timedelta(days=max(ALERT_DAYS)),
                producers.c.active.is_(True),
            )
            .order_by(licenses.c.expiration_date, licenses.c.id)
        )
        .mappings()
        .all()
    )
    alerts: list[ExpiryAlert] = []
    lapses: list[Lapse] = []
    for row in rows:
        days_left = (row["expiration_date"] - today).days
        days_before = due_alert(days_left)
        if days_before is None or not _claim(conn, row, days_before, now):
            continue
        ctx = _context(row, agency_name, days_left)
        if days_before == LAPSED:
            flagged = flag_unlicensed_leads(
                conn,
                agency_id=agency_id,
                producer_id=row["producer_id"],
                license_id=row["id"],
                state=row["state"],
                since=row["expiration_date"],
                now=now,
                tz=agency_timezone(conn, agency_id),
            )
            roles = [Role.COMPLIANCE, Role.SUPERVISOR] if flagged else [Role.COMPLIANCE]
            _notify(
                conn,
                row,
                ctx | {"lead_ids": ", ".join(map(str, flagged))},
                event="license.lapsed",
                template="license_lapsed",
                days_before=LAPSED,
                roles=roles,
                now=now,
            )
            lapses.append(
                Lapse(
                    row["id"],
                    row["producer_id"],
                    row["state"],
                    row["expiration_date"],
                    tuple(flagged),
                )
            )
        else:
            _notify(
                conn,
                row,
                ctx,
                event="license.expiring",
                template="license_expiring",
                days_before=days_before,
                roles=[Role.COMPLIANCE],
                now=now,
            )
            alerts.append(
                ExpiryAlert(
                    row["id"],
                    row["producer_id"],
                    row["state"],
                    row["expiration_date"],
                    days_before,
                    days_left,
                )
            )
    return SweepResult(tuple(alerts), tuple(lapses))


def sweep(*, uow: UnitOfWork, agency_id: int, now: datetime) -> SweepResult:
    """``sweep_license_expirations`` in its own transaction."""
    with uow:
        result = sweep_license_expirations(uow.conn, agency_id=agency_id, now=now)
        uow.commit()
    return result


def sweep_all_agencies(*, new_uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """Sweep every agency, each in its own transaction; how many alerts and lapses it recorded."""
    total = 0
    for agency_id in agency_ids(uow=new_uow()):
        result = sweep(uow=new_uow(), agency_id=agency_id, now=now)
        total += len(result.alerts) + len(result.lapses)
    return total


def _claim(conn: sa.Connection, row: Any, days_before: int, now: datetime) -> bool:
    """Record the alert; False when it was already recorded (by this or another worker)."""
    return (
        insert_ignoring_conflict(
            conn,
            license_alerts,
            {
                "agency_id": row["agency_id"],
                "license_id": row["id"],
                "expiration_date": row["expiration_date"],
                "days_before": days_before,
                "created_at": now,
            },
            ["license_id", "expiration_date", "days_before"],
        )
        is not None
    )


def _context(row: Any, agency_name: str, days_left: int) -> dict[str, Any]:
    return {
        "agency_name": agency_name,
        "producer_name": row["producer_name"],
        "state": row["state"],
        "number": row["number"],
        "lines": ", ".join(LINE_LABELS.get(line, line) for line in sorted(row["lines"])),
        "expiration_date": row["expiration_date"].isoformat(),
        "days_left": days_left,
        "lead_ids": "",
    }


def _key(row: Any, days_before: int, who: str) -> str:
    return f"license:{row['id']}:{row['expiration_date'].isoformat()}:{days_before}:{who}"


def _notify(
    conn: sa.Connection,
    row: Any,
    ctx: dict[str, Any],
    *,
    event: str,
    template: str,
    days_before: int,
    roles: list[Role],
    now: datetime,
) -> None:
    """Tell the license's producer (an alert and an email) and each of ``roles`` (an alert),
    once per license, expiration date and ``days_before``."""
    agency_id, message = row["agency_id"], render_text(template, ctx)
    to: list[tuple[str, dict[str, Any]]] = [("producer", {"producer_id": row["producer_id"]})]
    to += [(str(role), {"role": role}) for role in roles]
    for who, recipient in to:
        enqueue_alert(
            conn,
            agency_id=agency_id,
            kind=event,
            message=message,
            now=now,
            dedupe_key=_key(row, days_before, who),
            **recipient,
        )
    enqueue_email(
        conn,
        agency_id=agency_id,
        event=event,
        to=row["producer_email"],
        template=template,
        context=ctx,
        now=now,
        dedupe_key=_key(row, days_before, "email"),
    )


def flag_unlicensed_leads(
    conn: sa.Connection,
    *,
    agency_id: int,
    producer_id: int,
    license_id: int,
    state: str,
    since: date,
    now: datetime,
    tz: str,
) -> list[int]:
    """Flag the producer's open leads in ``state`` that the license gate now refuses them."""
    query = (
        sa.select(leads.c.id, leads.c.insurance_type, leads.c.flags)
        .where(
            leads.c.agency_id == agency_id,
            leads.c.owner_id == producer_id,
            leads.c.state == state,
            leads.c.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(leads.c.id)
        .with_for_update()
    )
    found = conn.execute(query).all()
    if not found:
        return []
    producer = producer_from_row(
        conn.execute(sa.select(producers).where(producers.c.id == producer_id)).mappings().one()
    )
    held = [
        license_from_row(r)
        for r in conn.execute(
            sa.select(licenses).where(licenses.c.producer_id == producer_id)
        ).mappings()
    ]
    types = intake_context(conn, agency_id=agency_id, source=None).types
    flagged = []
    for lead in found:
        verdict = check_gate(
            producer,
            held,
            state=state,
            now=now,
            tz=tz,
            insurance_type=types.get(lead.insurance_type),
        )
        if verdict.eligible:
            continue
        flags = dict(lead.flags or {})
        flags.setdefault(
            FLAG,
            {
                "license_id": license_id,
                "state": state,
                "since": since.isoformat(),
                "reason": verdict.reason,
            },
        )
        conn.execute(leads.update().where(leads.c.id == lead.id).values(flags=flags))
        flagged.append(lead.id)
    return flagged


def list_license_alerts(
    *,
    uow: UnitOfWork,
    agency_id: int,
    producer_id: int | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[dict[str, Any]]:
    """Recorded alerts (``days_before`` 0 is a lapse), newest first, with license and producer."""
    query = (
        sa.select(
            license_alerts,
            licenses.c.producer_id,
            licenses.c.state,
            licenses.c.number,
            producers.c.name.label("producer_name"),
        )
        .join(licenses, licenses.c.id == license_alerts.c.license_id)
        .join(producers, producers.c.id == licenses.c.producer_id)
        .where(license_alerts.c.agency_id == agency_id)
    )
    if producer_id is not None:
        query = query.where(licenses.c.producer_id == producer_id)
    with uow:
        return page(
            uow.conn,
            query,
            license_alerts,
            kind="license_alert",
            cursor=cursor,
            limit=limit,
            build=dict,
            descending=True,
        )
