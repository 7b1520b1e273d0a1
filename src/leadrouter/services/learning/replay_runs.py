"""Replays started from the dashboard: a row per run that a background job fills in.

``start_replay`` checks the policy and stores the run (queued); ``run_replay`` carries it
out, writing its progress every 50 decisions and then the result, so any process can show
it (``replay_run``). A run that fails keeps the reason. The candidate can be pasted text, a
stored version of the agency's policy, or the rebalancing monitor's proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from leadrouter.errors import FieldError, LeadRouterError, NotFound, ValidationFailed
from leadrouter.policy.load import dump_policy, parse_policy
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store.policies import current_version, has_version
from leadrouter.store.tables import producers, replay_runs
from leadrouter.store.uow import UnitOfWork

if TYPE_CHECKING:  # the replay itself brings numpy: imported when a run starts (see run_replay)
    from leadrouter.services.learning.replay import ReplayReport

RUNS_SHOWN = 10
LABEL_MAX = 200  # characters of a run's name (the column's size)
# A run that has not moved for this long was lost with its process (a restart, a crash).
STALE = timedelta(minutes=10)


def version_text(*, uow: UnitOfWork, caches: RoutingCaches, agency_id: int, version: int) -> str:
    """A stored version of the agency's policy as YAML (404 for a version never stored)."""
    with uow:
        if not has_version(uow.conn, agency_id, version):
            newest = current_version(uow.conn, agency_id)
            raise NotFound(f"there is no policy version {version}; the newest is {newest}")
        return dump_policy(caches.policies.active(uow.conn, agency_id, version=version).document)


def start_replay(
    *,
    uow: UnitOfWork,
    agency_id: int,
    user_id: int | None,
    label: str,
    text: str,
    since: datetime,
    until: datetime,
    now: datetime,
) -> int:
    """Check the name, the candidate policy and the dates, store a queued run; its id."""
    if len(label) > LABEL_MAX:
        reason = f"at most {LABEL_MAX} characters, not {len(label)}"
        raise ValidationFailed("the name is too long", errors=[FieldError("label", reason)])
    if until <= since:
        raise ValidationFailed("the replay's last day must come after its first")
    parse_policy(text)  # a bad document is refused now, with its fields, not in the job
    with uow:
        run_id = uow.conn.execute(
            replay_runs.insert()
            .values(
                agency_id=agency_id,
                user_id=user_id,
                label=label,
                policy=text,
                since=since,
                until=until,
                status="queued",
                created_at=now,
                updated_at=now,
            )
            .returning(replay_runs.c.id)
        ).scalar_one()
        uow.commit()
    return int(run_id)


def run_replay(
    *,
    new_uow: Callable[..., UnitOfWork],
    caches: RoutingCaches,
    clock: Callable[[], datetime],
    run_id: int,
) -> str:
    """Carry out a queued run: progress as it goes, then the result (or why it failed)."""
    with new_uow(readonly=True) as uow:
        row = uow.conn.execute(sa.select(replay_runs).where(replay_runs.c.id == run_id)).first()
    if row is None or row.status != "queued":
        return "skipped"

    def note(**values: Any) -> None:
        with new_uow() as uow:
            uow.conn.execute(
                replay_runs.update()
                .where(replay_runs.c.id == run_id)
                .values(updated_at=clock(), **values)
            )
            uow.commit()

    from leadrouter.services.learning.replay import replay_policy

    note(status="running")
    try:
        report = replay_policy(
            uow=new_uow(readonly=True),
            caches=caches,
            now=clock(),
            agency_id=row.agency_id,
            text=row.policy,
            since=row.since,
            until=row.until,
            progress=lambda done, total: note(done=done, total=total),
        )
    except LeadRouterError as exc:
        note(status="failed", error=exc.detail)
        return "failed"
    except Exception as exc:  # the page must say so rather than spin for ever
        note(status="failed", error=f"the replay stopped: {type(exc).__name__}")
        raise
    note(status="done", done=report.decisions, total=report.decisions, result=document(report))
    return "done"


def document(report: ReplayReport) -> dict[str, Any]:
    """The result as stored and shown."""
    logged_gini, replay_gini = report.gini
    ids = sorted(set(report.logged_counts) | set(report.replay_counts))
    return {
        "decisions": report.decisions,
        "bound": report.bound,
        "changed": report.changed,
        "queued": report.queued,
        "gate_refusals": report.gate_refusals,
        "gini": [logged_gini, replay_gini],
        "response_seconds": [report.logged_response, report.replay_response],
        "producers": [[pid, report.logged_counts[pid], report.replay_counts[pid]] for pid in ids],
        "estimates": [
            {
                "name": e.name,
                "total": list(e.total),
                "per_decision": e.value,
                "clamped": e.clamped,
            }
            for e in report.estimates
        ],
    }


def replay_run(*, uow: UnitOfWork, agency_id: int, run_id: int, now: datetime) -> dict[str, Any]:
    """One run of the agency, with producers' names for its result; one that stopped moving
    long ago is shown as failed."""
    with uow:
        row = uow.conn.execute(
            sa.select(replay_runs).where(
                replay_runs.c.id == run_id, replay_runs.c.agency_id == agency_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no replay {run_id}")
        names = dict(
            uow.conn.execute(
                sa.select(producers.c.id, producers.c.name).where(
                    producers.c.agency_id == agency_id
                )
            ).all()
        )
    out = dict(row._mapping)
    if out["status"] in ("queued", "running") and now - out["updated_at"] > STALE:
        out["status"] = "failed"
        out["error"] = "the replay stopped with the process that ran it; run it again"
    if out["result"]:
        out["result"]["producers"] = [
            {"name": names.get(pid, f"#{pid}"), "logged": a, "candidate": b}
            for pid, a, b in out["result"]["producers"]
        ]
    return out


def recent_runs(*, uow: UnitOfWork, agency_id: int) -> list[dict[str, Any]]:
    """The agency's latest runs, newest first (without their results)."""
    with uow:
        rows = uow.conn.execute(
            sa.select(
                replay_runs.c.id,
                replay_runs.c.label,
                replay_runs.c.since,
                replay_runs.c.until,
                replay_runs.c.status,
                replay_runs.c.created_at,
            )
            .where(replay_runs.c.agency_id == agency_id)
            .order_by(replay_runs.c.id.desc())
            .limit(RUNS_SHOWN)
        ).all()
    return [dict(r._mapping) for r in rows]
