"""Learning on a schedule: the worker refits each agency's intent rubric and propensity
model when the newest is older than the configured interval, and refreshes the conversion
estimates its own routing reads.

What is due is read from the stored versions (``trained_at``), so a restarted worker picks
up where it was and several workers agree on what is due. An agency with too few outcomes
to learn from is skipped (``learn intent`` and ``learn model`` refuse it) and asked again
only after another interval, by this worker's memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from leadrouter.errors import ValidationFailed
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store.tables import agencies, intent_rubrics, propensity_models
from leadrouter.store.uow import UnitOfWork

log = logging.getLogger(__name__)

KINDS = ("intent", "model")
_TABLES = {"intent": intent_rubrics, "model": propensity_models}


@dataclass
class LearningRun:
    """What one pass refitted, and what it skipped for want of outcomes."""

    learned: list[tuple[int, str, int]] = field(default_factory=list)  # agency, kind, version
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # agency, kind, why
    estimates: int = 0  # agencies whose estimates were refreshed


def due_learning(conn: sa.Connection, *, now: datetime, every: timedelta) -> list[tuple[int, str]]:
    """(agency, kind) pairs whose newest rubric or model is older than ``every`` (or none)."""
    ids = [int(a) for a in conn.execute(sa.select(agencies.c.id).order_by(agencies.c.id)).scalars()]
    due = []
    for kind in KINDS:
        table = _TABLES[kind]
        newest = dict(
            conn.execute(
                sa.select(table.c.agency_id, sa.func.max(table.c.trained_at)).group_by(
                    table.c.agency_id
                )
            ).all()
        )
        due += [(a, kind) for a in ids if newest.get(a) is None or now - newest[a] >= every]
    return sorted(due)


def learn_due(
    *,
    new_uow: Callable[..., UnitOfWork],
    caches: RoutingCaches,
    now: datetime,
    every: timedelta,
    tried: dict[tuple[int, str], datetime],
) -> LearningRun:
    """Refit what is due; ``tried`` remembers refusals so they wait another interval."""
    run = LearningRun()
    with new_uow(readonly=True) as uow:
        due = due_learning(uow.conn, now=now, every=every)
    for agency_id, kind in due:
        last = tried.get((agency_id, kind))
        if last is not None and now - last < every:
            continue
        tried[(agency_id, kind)] = now
        from leadrouter.services.learning import models  # numpy and scikit-learn: when due

        learn = models.learn_intent if kind == "intent" else models.learn_model
        try:
            result = learn(uow=new_uow(), agency_id=agency_id, now=now)
        except ValidationFailed as exc:
            run.skipped.append((agency_id, kind, exc.detail))
            continue
        except Exception:  # one agency's failure must not stop the others
            log.exception("learning %s for agency %s failed", kind, agency_id)
            continue
        run.learned.append((agency_id, kind, int(result["version"])))
    for agency_id in sorted({a for a, _ in due}):
        run.estimates += _refresh_estimates(new_uow, caches, agency_id, now)
    return run


def _refresh_estimates(
    new_uow: Callable[..., UnitOfWork], caches: RoutingCaches, agency_id: int, now: datetime
) -> int:
    """Refit the conversion estimates the agency's optimizer reads, in this process."""
    with new_uow(readonly=True) as uow:
        active = caches.policies.active(uow.conn, agency_id)
        opt = active.routing.optimizer()
        if opt is None:
            return 0
        caches.estimates.forget(agency_id)
        caches.estimates.estimates(uow.conn, agency_id, now, opt.window_days)
    return 1
