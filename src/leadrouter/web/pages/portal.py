"""The producer portal, made for a phone: my leads by urgency with the time left before the
next escalation, a page of them at a time, call and text links, accept/decline, one tap to
log an attempt or a contact, quote/bind/loss, my follow-ups due today, my own numbers.

A later page is ``?cursor=`` (the project's cursor); every form on it posts back with the
same cursor, so the answer and the minute's refresh show that page again, never more."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadrouter.api.deps import ContainerDep
from leadrouter.bootstrap import Container
from leadrouter.domain.outcomes import LOST_REASONS
from leadrouter.errors import LeadRouterError
from leadrouter.services.dashboard import numbers
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.services.dashboard.portal import follow_ups_today, my_leads, page_of
from leadrouter.services.leads import activities, outcomes
from leadrouter.services.people.access import may_act_as, may_work_lead
from leadrouter.services.people.sessions import Session
from leadrouter.services.routing import offers
from leadrouter.web.session import ProducerDep
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)
LOG_KINDS = {"call_attempt": "Call attempt logged", "contact_made": "Contact logged"}
OUTCOMES = ("quoted", "bound", "lost")
LOSS_REASONS = LOST_REASONS
# The form's text fields are checked here, not by the form parser, so that a producer who
# typed too much reads why in her lead's card rather than getting a silent 422.
MAX_PREMIUM_TEXT = 20
MAX_POLICY_NUMBER = 100
MAX_PREMIUM = Decimal(10**10)
CursorQuery = Annotated[str | None, Query(max_length=200)]


def _producer(session: Session) -> int:
    assert session.user.producer_id is not None  # the producer role is always bound
    return session.user.producer_id


def _here(cursor: str | None) -> str:
    """The query string that keeps a request on the page the cursor names."""
    return f"?{urlencode({'cursor': cursor})}" if cursor else ""


def _context(container: Container, session: Session, cursor: str | None) -> dict[str, Any]:
    now = container.clock.now()
    agency_id, me = session.user.agency_id, _producer(session)
    mine = my_leads(
        uow=container.uow(readonly=True),
        deps=container.routing,
        agency_id=agency_id,
        producer_id=me,
        now=now,
    )
    (mine_numbers,) = numbers.producer_rows(
        uow=container.uow(readonly=True), agency_id=agency_id, now=now, producer_id=me
    ) or (None,)
    shown = page_of(mine, cursor=cursor)
    here = None if shown.restarted else cursor
    return {
        "leads": shown.leads,
        "shown": shown,
        "here": _here(here),
        "follow_ups": follow_ups_today(mine),
        "me": mine_numbers,
        "loss_reasons": LOSS_REASONS,
        "now": now,
        "tz": agency_zone(uow=container.uow(readonly=True), agency_id=agency_id),
    }


@router.get("/portal", response_class=HTMLResponse)
def portal(
    request: Request, container: ContainerDep, session: ProducerDep, cursor: CursorQuery = None
) -> HTMLResponse:
    """A page of my leads by urgency, my follow-ups due today, my numbers."""
    return page(request, "portal.html", _context(container, session, cursor), session=session)


@router.get("/portal/leads", response_class=HTMLResponse)
def portal_leads(
    request: Request, container: ContainerDep, session: ProducerDep, cursor: CursorQuery = None
) -> HTMLResponse:
    """The leads part of the portal, one page (htmx refreshes it: the countdowns stay true)."""
    context = _context(container, session, cursor)
    return page(request, "_portal_body.html", context, session=session)


def _answer(
    request: Request,
    container: Container,
    session: Session,
    lead_id: int,
    flash: str,
    *,
    failed: bool,
    saved: bool = False,
) -> Response:
    """The portal's body (the page she acted on) with ``flash`` shown in lead ``lead_id``'s
    card (where the producer tapped, on her screen), or above the list when that lead is no
    longer on it. ``saved``: the card's outcome form was saved, so it is drawn again from
    the lead as stored; otherwise the page keeps that form as she left it (htmx's
    hx-preserve), her typing with it, so a refused save or the minute's refresh loses none."""
    cursor = request.query_params.get("cursor") or None
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/portal{_here(cursor)}", status_code=303)
    context = {
        **_context(container, session, cursor),
        "flash": flash,
        "flash_failed": failed,
        "flash_lead": lead_id,
        "saved_lead": lead_id if saved else None,
    }
    return page(request, "_portal_body.html", context, session=session)


def _act(
    request: Request,
    container: Container,
    session: Session,
    lead_id: int,
    done: str,
    action: Any,
    *,
    saved: bool = False,
) -> Response:
    try:
        action()
    except LeadRouterError as exc:
        return _answer(request, container, session, lead_id, exc.detail, failed=True)
    return _answer(request, container, session, lead_id, done, failed=False, saved=saved)


@router.post("/portal/leads/{lead_id}/accept")
def accept(
    request: Request, lead_id: int, container: ContainerDep, session: ProducerDep
) -> Response:
    """Accept a lead offered to me."""
    return _answer_offer(request, container, session, lead_id, decline=None)


@router.post("/portal/leads/{lead_id}/decline")
def decline(
    request: Request,
    lead_id: int,
    container: ContainerDep,
    session: ProducerDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Decline a lead offered to me; it goes to the next eligible producer."""
    return _answer_offer(request, container, session, lead_id, decline=reason)


def _answer_offer(
    request: Request,
    container: Container,
    session: Session,
    lead_id: int,
    *,
    decline: str | None,
) -> Response:
    """Accept the offer (``decline`` None) or decline it with that reason ("" for none)."""
    me = _producer(session)

    def run() -> None:
        may_act_as(session.user, me)
        mine: dict[str, Any] = {
            "uow": container.uow(),
            "caches": container.routing,
            "agency_id": session.user.agency_id,
            "lead_id": lead_id,
            "producer_id": me,
            "now": container.clock.now(),
        }
        if decline is None:
            offers.accept_offer(**mine)
        else:
            offers.decline_offer(**mine, reason=decline or None)

    done = "Accepted: the lead is yours." if decline is None else "Declined."
    return _act(request, container, session, lead_id, done, run)


@router.post("/portal/leads/{lead_id}/log")
def log(
    request: Request,
    lead_id: int,
    container: ContainerDep,
    session: ProducerDep,
    kind: Annotated[str, Form()],
) -> Response:
    """One tap: a call attempt (the escalation goes on) or a contact (it stops)."""
    me = _producer(session)
    if kind not in LOG_KINDS:
        return _answer(
            request, container, session, lead_id, "Choose an attempt or a contact.", failed=True
        )

    def run() -> None:
        may_act_as(session.user, me)
        activities.log_activity(
            uow=container.uow(),
            routing_deps=container.routing,
            agency_id=session.user.agency_id,
            lead_id=lead_id,
            producer_id=me,
            kind=kind,
            at=None,
            note=None,
            now=container.clock.now(),
        )

    return _act(request, container, session, lead_id, f"{LOG_KINDS[kind]}.", run)


@router.post("/portal/leads/{lead_id}/outcome")
def outcome(
    request: Request,
    lead_id: int,
    container: ContainerDep,
    session: ProducerDep,
    status: Annotated[str, Form()],
    premium: Annotated[str, Form()] = "",
    policy_number: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Quoted (premium quoted), bound (premium, policy number; the commission follows the
    agency's rates) or lost (a reason from the list), for a lead of mine."""
    if status not in OUTCOMES:
        return _answer(
            request, container, session, lead_id, "Choose quoted, bound or lost.", failed=True
        )
    try:
        amount = _premium(premium)
    except ValueError as exc:
        return _answer(request, container, session, lead_id, str(exc), failed=True)
    if len(policy_number.strip()) > MAX_POLICY_NUMBER:
        too_long = f"Policy number: at most {MAX_POLICY_NUMBER} characters."
        return _answer(request, container, session, lead_id, too_long, failed=True)

    def run() -> None:
        may_work_lead(
            session.user,
            uow=container.uow(readonly=True),
            agency_id=session.user.agency_id,
            lead_id=lead_id,
        )
        outcomes.record_outcome(
            uow=container.uow(),
            routing_deps=container.routing,
            agency_id=session.user.agency_id,
            lead_id=lead_id,
            status=status,
            reason=None,
            now=container.clock.now(),
            data=outcomes.OutcomeData(
                premium=amount if status != "lost" else None,
                policy_number=(policy_number.strip() or None) if status == "bound" else None,
                lost_reason=(reason or "other") if status == "lost" else None,
            ),
        )

    return _act(request, container, session, lead_id, f"Marked {status}.", run, saved=True)


def _premium(text: str) -> Decimal | None:
    """The premium typed in the form, in cents; None when blank; ValueError saying why, in
    the producer's words and naming what she typed, when it is not a sane amount (not a
    number, negative, too long for the form, or ten billion and more). Naming it tells one
    refused save from the next: the same bare reason twice looks like nothing happened."""
    typed = text.strip()
    if not typed:
        return None
    shown = typed if len(typed) <= MAX_PREMIUM_TEXT else f"{typed[:MAX_PREMIUM_TEXT]}…"
    if len(text) > MAX_PREMIUM_TEXT:
        raise ValueError(f'Premium "{shown}": at most {MAX_PREMIUM_TEXT} characters, like 1200.')
    try:
        amount = Decimal(typed.replace(",", "").replace("$", "").strip())
    except InvalidOperation as exc:
        raise ValueError(f'Premium "{shown}" is not a number: type it like 1200.') from exc
    if not amount.is_finite():
        raise ValueError(f'Premium "{shown}" is not a number: type it like 1200.')
    if amount < 0:
        raise ValueError(f'Premium "{shown}" is below zero: type it like 1200.')
    if amount >= MAX_PREMIUM:
        raise ValueError(f'Premium "{shown}" is too large: under $10,000,000,000.')
    return amount.quantize(Decimal("0.01"))
