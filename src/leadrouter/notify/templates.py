"""Plain-text templates for emails, texts and in-app alerts, with the producer's and agency's names.

Rendered when the message is enqueued, so the outbox row holds exactly what will be sent.
A missing variable is an error (StrictUndefined), not a blank in a consumer's inbox.
Texts to consumers end with the opt-out line carriers expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@cache
def _compiled(source: str) -> Template:
    return _env.from_string(source)


_OPT_OUT = " Reply STOP to opt out."

# name -> (subject, body). Variables: agency_name, producer_name, lead_name, lead_first_name,
# lead_id, insurance_type, and per template reason, accept_by, from_producer, to_producer.
EMAILS: dict[str, tuple[str, str]] = {
    "new_lead": (
        "New {{ insurance_type }} lead: {{ lead_name }}",
        "Hi {{ producer_name }},\n\n{{ agency_name }} has given you a new {{ insurance_type }} "
        "lead: {{ lead_name }} (lead {{ lead_id }}).\n"
        "{% if accept_by %}Please accept it by {{ accept_by }} or it goes to the next producer.\n"
        "{% endif %}Call them as soon as you can; the first five minutes matter most.\n",
    ),
    "warn_producer": (
        "Lead {{ lead_name }} is waiting for your call",
        "Hi {{ producer_name }},\n\n{{ lead_name }} (lead {{ lead_id }}) has been "
        "{{ reason }}. {{ agency_name }} will reassign the lead if it is not worked soon.\n",
    ),
    "call_reminder": (
        "Reminder: call {{ lead_name }}",
        "Hi {{ producer_name }},\n\nA reminder from {{ agency_name }} to call {{ lead_name }} "
        "(lead {{ lead_id }}) about their {{ insurance_type }} quote.\n",
    ),
    "reassigned": (
        "Lead {{ lead_name }} was reassigned",
        "Hi {{ producer_name }},\n\n{{ agency_name }} reassigned {{ lead_name }} (lead "
        "{{ lead_id }}) from {{ from_producer }} to {{ to_producer }}: {{ reason }}.\n",
    ),
    "alert_manager": (
        "Lead {{ lead_name }} is still not contacted",
        "{{ lead_name }} (lead {{ lead_id }}, {{ insurance_type }}) at {{ agency_name }} is "
        "with {{ producer_name }} and has been {{ reason }}.\n",
    ),
    "intro_email": (
        "Your {{ insurance_type }} quote with {{ agency_name }}",
        "Hi {{ lead_first_name }},\n\nThank you for asking {{ agency_name }} about "
        "{{ insurance_type }} insurance. I'm {{ producer_name }} and I'll be helping you; I will "
        "call you shortly, or simply reply to this email.\n\n{{ producer_name }}\n"
        "{{ agency_name }}\n",
    ),
    "last_email": (
        "Still looking for {{ insurance_type }} insurance?",
        "Hi {{ lead_first_name }},\n\nI haven't been able to reach you about your "
        "{{ insurance_type }} quote. If you're still shopping, reply to this email and I'll "
        "get it done for you.\n\n{{ producer_name }}\n{{ agency_name }}\n",
    ),
    "nurture": (
        "A note from {{ agency_name }}",
        "Hi {{ lead_first_name }},\n\nWhenever your {{ insurance_type }} coverage comes up for "
        "review, {{ agency_name }} is glad to compare options for you. Just reply to this "
        "email.\n\n{{ producer_name }}\n{{ agency_name }}\n",
    ),
    "asked_again": (
        "{{ lead_name }} asked again",
        "Hi {{ producer_name }},\n\n{{ lead_name }} (lead {{ lead_id }}) sent another "
        "{{ insurance_type }} request ({{ times }} requests so far). They are still shopping: "
        "call them now.\n",
    ),
    "consumer_ack": (
        "We received your {{ insurance_type }} request",
        "Hi {{ lead_first_name }},\n\nThank you for contacting {{ agency_name }} about "
        "{{ insurance_type }} insurance. We have your request and a licensed agent will "
        "contact you as soon as one is available.\n\n{{ agency_name }}\n",
    ),
    "lead_queued": (
        "Lead {{ lead_name }} is waiting in the queue",
        "{{ lead_name }} (lead {{ lead_id }}) at {{ agency_name }} has no eligible producer "
        "yet: {{ reason }}.\n",
    ),
    # License compliance. Variables: state, number, lines, expiration_date, days_left, lead_ids.
    "license_expiring": (
        "Your {{ state }} license {{ number }} expires in {{ days_left }} days",
        "Hi {{ producer_name }},\n\nYour {{ state }} license {{ number }} ({{ lines }}) expires "
        "on {{ expiration_date }}, in {{ days_left }} days. Please renew it and send the renewal "
        "to {{ agency_name }}'s compliance team: from {{ expiration_date }} on, no "
        "{{ state }} leads can go to you without it.\n",
    ),
    "license_lapsed": (
        "Your {{ state }} license {{ number }} has lapsed",
        "Hi {{ producer_name }},\n\nYour {{ state }} license {{ number }} ({{ lines }}) expired "
        "on {{ expiration_date }}. {{ agency_name }} no longer routes {{ state }} leads to you"
        "{% if lead_ids %}, and your open {{ state }} leads ({{ lead_ids }}) are flagged for "
        "review{% endif %}. Send the renewal to compliance to be routed {{ state }} leads "
        "again.\n",
    ),
}

# name -> body, for texts and in-app alerts.
TEXTS: dict[str, str] = {
    "new_lead": "{{ agency_name }}: new {{ insurance_type }} lead {{ lead_name }} (lead "
    "{{ lead_id }}).{% if accept_by %} Accept by {{ accept_by }}.{% endif %}",
    "alert_producer": "{{ lead_name }} (lead {{ lead_id }}) has been {{ reason }}. Call now.",
    "warn_producer": "{{ agency_name }}: {{ lead_name }} (lead {{ lead_id }}) has been "
    "{{ reason }} and will be reassigned soon.",
    "call_reminder": "Reminder: call {{ lead_name }} (lead {{ lead_id }}).",
    "reassigned": "{{ lead_name }} (lead {{ lead_id }}) was reassigned from {{ from_producer }} "
    "to {{ to_producer }}: {{ reason }}.",
    "alert_manager": "{{ lead_name }} (lead {{ lead_id }}) with {{ producer_name }} has been "
    "{{ reason }}.",
    "lead_queued": "{{ lead_name }} (lead {{ lead_id }}) is waiting in the queue: {{ reason }}.",
    "intro_sms": "Hi {{ lead_first_name }}, this is {{ producer_name }} with {{ agency_name }} "
    "about your {{ insurance_type }} quote. I'll call you shortly." + _OPT_OUT,
    "asked_again": "{{ lead_name }} (lead {{ lead_id }}) asked again ({{ times }} requests "
    "so far). Call now.",
    "consumer_ack": "{{ agency_name }}: we received your {{ insurance_type }} request. A "
    "licensed agent will contact you as soon as one is available." + _OPT_OUT,
    "call_missed": "{{ agency_name }}: sorry we missed your call. A licensed agent will call "
    "you back shortly." + _OPT_OUT,
    "license_expiring": "{{ producer_name }}'s {{ state }} license {{ number }} expires on "
    "{{ expiration_date }} (in {{ days_left }} days).",
    "license_lapsed": "{{ producer_name }}'s {{ state }} license {{ number }} lapsed on "
    "{{ expiration_date }}; no {{ state }} leads go to them until it is renewed."
    "{% if lead_ids %} Their open {{ state }} leads are flagged: {{ lead_ids }}.{% endif %}",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


def render_email(name: str, context: dict[str, Any]) -> RenderedEmail:
    """The email template ``name`` filled in with ``context``."""
    if name not in EMAILS:
        raise ValueError(f"no email template named {name!r}")
    subject, body = EMAILS[name]
    return RenderedEmail(
        subject=_compiled(subject).render(context).strip(),
        body=_compiled(body).render(context),
    )


def render_text(name: str, context: dict[str, Any]) -> str:
    """The text (SMS or in-app) template ``name`` filled in with ``context``."""
    if name not in TEXTS:
        raise ValueError(f"no text template named {name!r}")
    return _compiled(TEXTS[name]).render(context).strip()
