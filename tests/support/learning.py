"""Closed leads with behavior, written straight to the tables, for learning tests."""

from __future__ import annotations

import random
from datetime import timedelta

from leadrouter.bootstrap import Container
from leadrouter.store.tables import lead_events, leads


def seed_outcomes(c: Container, agency_id: int, *, count: int, seed: int = 1) -> float:
    """``count`` bound or lost leads whose events predict the outcome; the bound share.

    A quote request or a pricing-page visit makes binding likely, a bounce unlikely; leads
    from the "vendor" source bind less often than "website" ones.
    """
    rng = random.Random(seed)
    now = c.clock.now()
    bound = 0
    with c.engine.begin() as conn:
        for n in range(count):
            created = now - timedelta(days=30, minutes=n)
            quote, pricing, bounce = rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.3
            source = rng.choice(["website", "vendor"])
            odds = (
                0.08 + 0.45 * quote + 0.25 * pricing - 0.06 * bounce - 0.05 * (source == "vendor")
            )
            won = rng.random() < max(odds, 0.02)
            bound += won
            lead_id = conn.execute(
                leads.insert()
                .values(
                    agency_id=agency_id,
                    status="bound" if won else "lost",
                    first_name="Seed",
                    last_name=str(n),
                    insurance_type="personal_auto",
                    state="NY",
                    source_name=source,
                    exclusive=False,
                    attributes={},
                    flags={},
                    last_touch_at=created,
                    created_at=created,
                    status_changed_at=created + timedelta(days=3),
                    first_contact_at=created + timedelta(hours=1),
                )
                .returning(leads.c.id)
            ).scalar_one()
            events = []
            if quote:
                events.append(("quote_request", {}))
            if pricing:
                events.append(("page_view", {"page": "/pricing", "seconds": 80}))
            if bounce:
                events.append(("page_view", {"page": "/blog", "seconds": 5}))
            for minute, (kind, data) in enumerate(events):
                conn.execute(
                    lead_events.insert().values(
                        agency_id=agency_id,
                        lead_id=lead_id,
                        type=kind,
                        at=created + timedelta(minutes=minute * 45),
                        data=data,
                        created_at=created,
                    )
                )
            # after first contact: must not be learned from
            conn.execute(
                lead_events.insert().values(
                    agency_id=agency_id,
                    lead_id=lead_id,
                    type="quote_completed" if won else "unsubscribe",
                    at=created + timedelta(days=2),
                    data={},
                    created_at=created,
                )
            )
    return bound / count
