"""The rebalancing monitor: weekly rates per producer x tier, drift alerts, a proposal.

Each run reads the leads received in the last seven days, finds producers who drift from
their tier's pool (``learning.rebalance``), tells the managers by an in-app alert (once per
producer, tier and rate in an ISO week, however often the monitor runs) and returns the
proposed weights as a complete policy document: the agency's policy in force with the
proposal merged into ``routing.tiers``, ready for ``leadrouter replay --policy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.learning.rebalance import (
    Counts,
    Drift,
    Proposal,
    drifts,
    policy_fragment,
    proposals,
)
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.policy.schema import PolicyDocument
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store.figures import Figures, lead_figures
from leadrouter.store.tables import producers
from leadrouter.store.uow import UnitOfWork

WEEK = timedelta(days=7)
TIERS = ("high", "medium", "low")
ALERT_KIND = "rebalance"


@dataclass(frozen=True)
class Week:
    """One week's counts per (producer, tier)."""

    since: datetime
    until: datetime
    cells: dict[tuple[int, str], Counts]


@dataclass(frozen=True)
class Rebalance:
    """What one run of the monitor found and proposed."""

    weeks: list[Week]
    drifts: list[Drift]
    proposals: list[Proposal]
    policy: PolicyDocument | None  # the policy in force with the proposal merged in
    alerts: int


def _counts(f: Figures) -> Counts:
    return Counts(f.leads, f.contacted, f.quoted, f.bound, f.lost)


def _week(conn: sa.Connection, agency_id: int, until: datetime) -> Week:
    since = until - WEEK
    found = lead_figures(
        conn, agency_id=agency_id, since=since, until=until, by=("producer", "tier")
    )
    cells = {
        (int(pid), str(tier)): _counts(f)
        for (pid, tier), f in found.items()
        if pid is not None and tier in TIERS
    }
    return Week(since, until, cells)


def _merge(document: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """The policy document with the fragment's tier strategies set (pools etc. kept)."""
    routing = dict(document.get("routing") or {})
    tiers = {k: dict(v) for k, v in (routing.get("tiers") or {}).items()}
    for tier, part in fragment["routing"]["tiers"].items():
        tiers[tier] = {**tiers.get(tier, {}), **part}
    routing["tiers"] = tiers
    return {**document, "routing": routing}


def rebalance(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    agency_id: int,
    now: datetime,
    threshold: float = 0.10,
    min_leads: int = 10,
    weeks: int = 4,
) -> Rebalance:
    """Weekly rates for the last ``weeks`` weeks; alert and propose on the latest one."""
    with uow:
        conn = uow.conn
        history = [_week(conn, agency_id, now - WEEK * k) for k in range(max(1, weeks))]
        latest = history[0]
        found = drifts(latest.cells, threshold=threshold, min_leads=min_leads)
        weights = {
            int(r.id): float(r.weight)
            for r in conn.execute(
                sa.select(producers.c.id, producers.c.weight).where(
                    producers.c.agency_id == agency_id, producers.c.active.is_(True)
                )
            )
        }
        proposed = proposals(found, weights)
        iso = now.isocalendar()
        for d in found:
            enqueue_alert(
                conn,
                agency_id=agency_id,
                kind=ALERT_KIND,
                message=_message(d, proposed),
                now=now,
                role="manager",
                dedupe_key=f"{ALERT_KIND}:{iso.year}-W{iso.week:02d}:{d.producer_id}:"
                f"{d.tier}:{d.metric}",
            )
        document = None
        if proposed:
            active = caches.policies.active(conn, agency_id).document
            merged = _merge(active.model_dump(mode="json"), policy_fragment(proposed, weights))
            document = PolicyDocument.model_validate(merged)
        uow.commit()
    return Rebalance(history, found, proposed, document, len(found))


def _message(d: Drift, proposed: list[Proposal]) -> str:
    words = d.metric.replace("_", " ")
    text = (
        f"producer {d.producer_id}: {d.tier}-intent {words} {d.producer_rate:.0%} vs the "
        f"pool's {d.pool_rate:.0%} over the last 7 days ({d.leads} leads)"
    )
    for p in proposed:
        if (p.producer_id, p.tier, p.because.metric) == (d.producer_id, d.tier, d.metric):
            text += (
                f"; proposed {d.tier}-tier weight {p.current_weight:g} → "
                f"{p.proposed_weight:g} (replay the proposal before applying it)"
            )
    return text
