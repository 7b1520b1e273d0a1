"""Replay a candidate policy against the agency's history, for managers: pick the candidate
(pasted, a stored version, or the rebalancing monitor's proposal) and the days, then watch
the run (a background job, its progress polled by htmx) and read its result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadrouter.api.deps import ContainerDep
from leadrouter.domain.model import Role
from leadrouter.errors import ValidationFailed
from leadrouter.policy.load import dump_policy
from leadrouter.services.admin.policy import versions
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.services.learning import replay_runs as runs
from leadrouter.services.learning.monitor import rebalance
from leadrouter.services.people.sessions import Session
from leadrouter.web.session import require, shown_as_page
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)
ManagerDep = Annotated[Session, Depends(require(Role.MANAGER))]
DEFAULT_DAYS = 30


def _day(text: str, field: str, tz: str) -> datetime:
    """The start of the day ``text`` (YYYY-MM-DD) in the agency's zone ``tz``, in UTC."""
    try:
        return datetime.combine(date.fromisoformat(text), time(0), ZoneInfo(tz)).astimezone(UTC)
    except ValueError:
        raise ValidationFailed(f"{field}: a date as YYYY-MM-DD, not {text!r}") from None


@router.get("/replay", response_class=HTMLResponse)
def replay_form(
    request: Request,
    container: ContainerDep,
    session: ManagerDep,
    source: str | None = None,
    version: int | None = None,
) -> HTMLResponse:
    """The form: the candidate and the days; the latest runs below it."""
    agency_id, now = session.user.agency_id, container.clock.now()
    text, label, note = "", "", None
    with shown_as_page():
        if version is not None:
            text = runs.version_text(
                uow=container.uow(readonly=True),
                caches=container.routing,
                agency_id=agency_id,
                version=version,
            )
            label = f"policy version {version}"
        elif source == "proposal":
            found = rebalance(
                uow=container.uow(), caches=container.routing, agency_id=agency_id, now=now
            )
            if found.policy is None:
                note = "No producer drifts from the pool this week: the monitor proposes nothing."
            else:
                text = dump_policy(found.policy)
                label = proposal_label(
                    [
                        f"#{p.producer_id} {p.tier} {p.current_weight:g} → {p.proposed_weight:g}"
                        for p in found.proposals
                    ]
                )
        context = _form(container, agency_id)
    today = now.astimezone(
        ZoneInfo(agency_zone(uow=container.uow(readonly=True), agency_id=agency_id))
    ).date()
    context |= {
        "text": text,
        "label": label,
        "note": note,
        "since": (today - timedelta(days=DEFAULT_DAYS)).isoformat(),
        "until": (today + timedelta(days=1)).isoformat(),
    }
    return page(request, "replay.html", context, session=session)


def proposal_label(changes: Sequence[str]) -> str:
    """The proposal's name: its weight changes, as many as fit in a run's name."""
    head = "rebalancing proposal: "
    for shown in range(len(changes), 0, -1):
        rest = len(changes) - shown
        label = head + "; ".join(changes[:shown]) + (f" and {rest} more" if rest else "")
        if len(label) <= runs.LABEL_MAX:
            return label
    return f"{head}{len(changes)} weight changes"


def _form(container: ContainerDep, agency_id: int) -> dict[str, Any]:
    """What the form shows besides its fields: the stored versions and the latest runs."""
    stored = versions(uow=container.uow(readonly=True), agency_id=agency_id, limit=5).items
    recent = runs.recent_runs(uow=container.uow(readonly=True), agency_id=agency_id)
    return {"versions": stored, "runs": recent, "note": None, "problem": None}


@router.post("/replay")
def replay_start(
    request: Request,
    container: ContainerDep,
    session: ManagerDep,
    background: BackgroundTasks,
    policy: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    """Store the run, start it in the background, and show its page; a refused candidate
    or day shows the form again, as filled in, with each reason."""
    agency_id = session.user.agency_id
    tz = agency_zone(uow=container.uow(readonly=True), agency_id=agency_id)
    try:
        if not policy.strip():
            raise ValidationFailed("paste a policy, or choose a stored version or the proposal")
        run_id = runs.start_replay(
            uow=container.uow(),
            agency_id=agency_id,
            user_id=session.user.id,
            label=label.strip() or "pasted policy",
            text=policy,
            since=_day(since, "since", tz),
            until=_day(until, "until", tz),
            now=container.clock.now(),
        )
    except ValidationFailed as refused:
        if "text/html" not in request.headers.get("accept", ""):
            raise  # a program posting the form: problem+json naming the fields
        with shown_as_page():
            context = _form(container, agency_id)
        context |= {"text": policy, "label": label, "since": since, "until": until}
        context["problem"] = refused
        return page(request, "replay.html", context, session=session, status=refused.status)
    background.add_task(
        runs.run_replay,
        new_uow=container.uow,
        caches=container.routing,
        clock=container.clock.now,
        run_id=run_id,
    )
    return RedirectResponse(f"/replay/runs/{run_id}", status_code=303)


def _run(container: ContainerDep, session: Session, run_id: int) -> dict[str, Any]:
    with shown_as_page():
        return runs.replay_run(
            uow=container.uow(readonly=True),
            agency_id=session.user.agency_id,
            run_id=run_id,
            now=container.clock.now(),
        )


@router.get("/replay/runs/{run_id}", response_class=HTMLResponse)
def replay_run_page(
    request: Request, run_id: int, container: ContainerDep, session: ManagerDep
) -> HTMLResponse:
    """A run: its progress while it goes, then who would have got what and the estimates."""
    run = _run(container, session, run_id)
    return page(request, "replay_run.html", {"run": run}, session=session)


@router.get("/replay/runs/{run_id}/status", response_class=HTMLResponse)
def replay_run_status(
    request: Request, run_id: int, container: ContainerDep, session: ManagerDep
) -> HTMLResponse:
    """The run's moving part, which the page polls until the run is over."""
    run = _run(container, session, run_id)
    return page(request, "_replay_run.html", {"run": run}, session=session)
