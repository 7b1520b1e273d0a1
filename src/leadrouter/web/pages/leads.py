"""One lead's page: who has it, what happened, and why it went where it went."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from leadrouter.api.deps import ContainerDep
from leadrouter.errors import Forbidden
from leadrouter.services.dashboard.days import agency_zone
from leadrouter.services.leads import activities, repeats
from leadrouter.services.leads import intake as leads
from leadrouter.services.people.access import lead_owner
from leadrouter.services.routing import decisions
from leadrouter.web.session import SessionDep, shown_as_page
from leadrouter.web.templating import page

router = APIRouter(include_in_schema=False)
_PRODUCER = re.compile(r"producer \d+")  # an actor of the decision log: a producer by id


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(
    request: Request, lead_id: int, container: ContainerDep, session: SessionDep
) -> HTMLResponse:
    """The lead, its history and activities, and every routing decision with its reasons.

    Anyone of the agency may open it, except a producer, who may open only their own leads.
    """
    agency_id = session.user.agency_id
    with shown_as_page():
        owner = lead_owner(uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id)
        me = session.user.producer_id
        if me is not None and owner != me:
            raise Forbidden("This lead is not yours.")
        lead = leads.get_lead(
            uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id
        )
        done = activities.list_activities(
            uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id
        )
        why = decisions.lead_decisions(
            uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id
        )
        others = repeats.linked_leads(
            uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id
        )
        asked = repeats.repeat_requests(
            uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id
        )
    acting = {a: int(a.split()[1]) for d in why if _PRODUCER.fullmatch(a := d["actor"] or "")}
    if acting:
        names = decisions.producer_names(
            uow=container.uow(readonly=True), agency_id=agency_id, ids=set(acting.values())
        )
        for d in why:  # "producer 7", as the log records who answered an offer, by name
            if d["actor"] in acting:
                d["actor"] = names.get(acting[d["actor"]], d["actor"])
    if me is not None:  # a producer sees only their own of the consumer's other leads
        others = [r for r in others if r.owner_id == me]
    context = {
        "lead": lead,
        "related": others,
        "asked": asked,
        "activities": done,
        "decisions": list(reversed(why)),
        "tz": agency_zone(uow=container.uow(readonly=True), agency_id=agency_id),
    }
    return page(request, "lead.html", context, session=session)
