"""Checkpoints of the decision chain: issued, kept, sent to integrations, checked."""

from __future__ import annotations

from datetime import datetime

from leadrouter.notify.webhook import enqueue_webhook_event
from leadrouter.paging import Page
from leadrouter.store import audit_checkpoints as cp
from leadrouter.store.audit import BrokenLink, verify_chain
from leadrouter.store.locks import lock_agency
from leadrouter.store.uow import UnitOfWork

Checkpoint = cp.Checkpoint


def issue_checkpoint(*, uow: UnitOfWork, agency_id: int, now: datetime) -> Checkpoint:
    """Sign the chain's head now, keep it, and send it as an ``audit.checkpoint`` webhook."""
    with uow:
        lock_agency(uow.conn, agency_id)  # the head cannot move while it is read
        checkpoint = cp.take(uow.conn, agency_id=agency_id, now=now)
        enqueue_webhook_event(
            uow.conn,
            agency_id=agency_id,
            event="audit.checkpoint",
            data=checkpoint.document(),
            now=now,
        )
        uow.commit()
    return checkpoint


def list_checkpoints(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 100
) -> Page[Checkpoint]:
    """The checkpoints kept for the agency, newest first, a page at a time."""
    with uow:
        return cp.kept(uow.conn, agency_id=agency_id, cursor=cursor, limit=limit)


def verify_against(
    *, uow: UnitOfWork, agency_id: int, checkpoints: list[Checkpoint]
) -> BrokenLink | str | None:
    """The chain's first broken link, else the first checkpoint it disagrees with, else None."""
    with uow:
        broken = verify_chain(uow.conn, agency_id=agency_id)
        if broken is not None:
            return broken
        for checkpoint in checkpoints:
            if checkpoint.agency_id != agency_id:
                return f"a checkpoint of agency {checkpoint.agency_id}, not {agency_id}"
            problem = cp.disagreement(uow.conn, checkpoint)
            if problem is not None:
                return problem
    return None
