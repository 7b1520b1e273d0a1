"""Learn from the agency's outcomes: ``learn intent`` (a rubric version), ``learn model``.

The training set is every lead that ended bound (1) or lost (0), described only by what was
known before its first contact: its intake fields and the events before that contact.
The model's metrics come from a held-out 30% of those leads (by a hash of the lead id);
the stored model is then refitted on all of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.scoring import Signals, score
from leadrouter.errors import ValidationFailed
from leadrouter.learning import intent as fit
from leadrouter.learning.lead_features import SPEC, lead_features
from leadrouter.learning.propensity import Propensity, Value
from leadrouter.services.learning.intent import current_rubric, rescore_in_tx
from leadrouter.services.learning.signals import lead_signals
from leadrouter.store.tables import intent_rubrics, lead_events, leads, propensity_models
from leadrouter.store.uow import UnitOfWork

LABELS = {LeadStatus.BOUND.value: 1, LeadStatus.LOST.value: 0}
OPEN = (LeadStatus.NEW, LeadStatus.QUEUED, LeadStatus.ASSIGNED, LeadStatus.NURTURE)


@dataclass(frozen=True)
class Example:
    """One closed lead: its pre-contact signals and features, and whether it bound."""

    lead_id: int
    signals: Signals
    features: dict[str, Value]
    converted: int


def examples(conn: sa.Connection, agency_id: int, now: datetime) -> list[Example]:
    """The agency's bound and lost leads as training examples."""
    rows = conn.execute(
        sa.select(
            leads.c.id,
            leads.c.status,
            leads.c.attributes,
            leads.c.source_name,
            leads.c.insurance_type,
            leads.c.state,
            leads.c.exclusive,
            leads.c.first_contact_at,
        )
        .where(leads.c.agency_id == agency_id, leads.c.status.in_(list(LABELS)))
        .order_by(leads.c.id)
    ).all()
    out = []
    for r in rows:
        signals = lead_signals(
            conn, lead_id=r.id, attributes=r.attributes, now=now, before=r.first_contact_at
        )
        features = lead_features(
            signals,
            source=r.source_name,
            insurance_type=r.insurance_type,
            state=r.state,
            exclusive=r.exclusive,
        )
        out.append(Example(r.id, signals, features, LABELS[r.status]))
    return out


def _next_version(conn: sa.Connection, table: sa.Table, agency_id: int) -> int:
    found = conn.execute(
        sa.select(sa.func.max(table.c.version)).where(table.c.agency_id == agency_id)
    ).scalar()
    return int(found or 0) + 1


def learn_intent(*, uow: UnitOfWork, agency_id: int, now: datetime) -> dict[str, Any]:
    """Refit the intent rubric from the agency's outcomes and store it as a new version."""
    with uow:
        conn = uow.conn
        found = examples(conn, agency_id, now)
        version = _next_version(conn, intent_rubrics, agency_id)
        before = current_rubric(conn, agency_id)
        result = fit.fit_rubric(
            [e.signals for e in found], [e.converted for e in found], version=version
        )
        y = [e.converted for e in found]
        metrics = {
            "leads": result.leads,
            "conversion_rate": round(result.conversion_rate, 4),
            "learned": list(result.learned),
            "auc": _auc(y, [score(e.signals, result.rubric).score for e in found]),
            "auc_before": _auc(y, [score(e.signals, before).score for e in found]),
        }
        conn.execute(
            intent_rubrics.insert().values(
                agency_id=agency_id,
                version=version,
                document=result.rubric.to_document(),
                metrics=metrics,
                trained_at=now,
            )
        )
        rescored = _rescore_open(conn, agency_id, now)
        uow.commit()
    return {
        "version": version,
        "rubric": result.rubric.to_document(),
        "metrics": metrics,
        "rescored": rescored,
    }


def _rescore_open(conn: sa.Connection, agency_id: int, now: datetime) -> int:
    """Rescore the leads still waiting for work that have events, with the new rubric."""
    waiting = [s.value for s in OPEN]
    ids = conn.execute(
        sa.select(leads.c.id)
        .where(
            leads.c.agency_id == agency_id,
            leads.c.status.in_(waiting),
            sa.exists().where(lead_events.c.lead_id == leads.c.id),
        )
        .order_by(leads.c.id)
    ).scalars()
    count = 0
    for lead_id in ids.all():
        rescore_in_tx(conn, agency_id=agency_id, lead_id=lead_id, now=now)
        count += 1
    return count


def _auc(y: Sequence[int], s: Sequence[float]) -> float | None:
    from sklearn.metrics import roc_auc_score  # slow to load: only when learning

    return round(float(roc_auc_score(y, s)), 4) if 0 < sum(y) < len(y) else None


def _held_out(lead_id: int) -> bool:
    return int(hashlib.sha256(f"lead:{lead_id}".encode()).hexdigest(), 16) % 10 < 3


def learn_model(*, uow: UnitOfWork, agency_id: int, now: datetime) -> dict[str, Any]:
    """Train the propensity model on the agency's outcomes and store it as a new version."""
    with uow:
        conn = uow.conn
        found = examples(conn, agency_id, now)
        y = np.array([e.converted for e in found], dtype=int)
        if len(found) < fit.MIN_OUTCOMES or y.min() == y.max():
            raise ValidationFailed(
                f"need at least {fit.MIN_OUTCOMES} bound or lost leads, both kinds; "
                f"have {len(found)} ({int(y.sum())} bound)"
            )
        metrics = _holdout_metrics(found)
        model = Propensity.fit(SPEC, [e.features for e in found], y)
        version = _next_version(conn, propensity_models, agency_id)
        metrics.update(leads=len(found), conversion_rate=round(float(y.mean()), 4))
        conn.execute(
            propensity_models.insert().values(
                agency_id=agency_id,
                version=version,
                trained_at=now,
                metrics=metrics,
                features={"numbers": list(SPEC.numbers), "categories": list(SPEC.categories)},
                model=model.to_bytes(),
            )
        )
        uow.commit()
    return {"version": version, "metrics": metrics}


def _holdout_metrics(found: Sequence[Example]) -> dict[str, Any]:
    """AUC and Brier on the held-out 30%, when both parts hold both outcomes."""
    from sklearn.metrics import brier_score_loss, roc_auc_score  # slow to load

    train = [e for e in found if not _held_out(e.lead_id)]
    test = [e for e in found if _held_out(e.lead_id)]
    y_train, y_test = [e.converted for e in train], [e.converted for e in test]
    if not (0 < sum(y_train) < len(y_train) and 0 < sum(y_test) < len(y_test)):
        return {"held_out": len(test), "auc": None, "brier": None}
    model = Propensity.fit(SPEC, [e.features for e in train], y_train)
    p = model.predict([e.features for e in test])
    return {
        "held_out": len(test),
        "auc": round(float(roc_auc_score(y_test, p)), 4),
        "brier": round(float(brier_score_loss(y_test, p)), 4),
    }
