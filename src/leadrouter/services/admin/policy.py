"""Use cases of the routing policy: read, save a new version, lint, dry-run a lead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from leadrouter.domain.lint import LintFinding
from leadrouter.domain.model import Lead, LeadStatus
from leadrouter.domain.routing import Decision, route
from leadrouter.errors import ValidationFailed
from leadrouter.intake import insurance_types
from leadrouter.intake.normalize import normalize
from leadrouter.intake.settings import from_agency_settings
from leadrouter.paging import Page, page
from leadrouter.policy.load import lint_document, parse_policy
from leadrouter.policy.schema import PolicyDocument
from leadrouter.services.leads.settings import intake_context
from leadrouter.services.routing.context import RoutingCaches, context_for
from leadrouter.services.routing.policy_store import (
    ActivePolicy,
    activate,
    save_policy,
)
from leadrouter.store import dedupe
from leadrouter.store.agency_repo import agency_info
from leadrouter.store.policies import history_query
from leadrouter.store.tables import policies
from leadrouter.store.uow import UnitOfWork


def current_policy(*, uow: UnitOfWork, caches: RoutingCaches, agency_id: int) -> PolicyDocument:
    """The document in force for the agency (version 0 is the shipped default)."""
    with uow:
        return caches.policies.active(uow.conn, agency_id).document


def put_policy(
    *, uow: UnitOfWork, agency_id: int, text: str, fmt: Any, actor: str | None, now: datetime
) -> PolicyDocument:
    """Validate and store a new version; it applies to the next decision."""
    with uow:
        document = save_policy(
            uow.conn, agency_id=agency_id, text=text, fmt=fmt, actor=actor, now=now
        )
        uow.commit()
    return document


def versions(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 50
) -> Page[dict[str, Any]]:
    """The stored versions of the agency's document (without it), newest first."""
    with uow:
        return page(
            uow.conn,
            history_query(agency_id),
            policies,
            kind="policy_version",
            cursor=cursor,
            limit=limit,
            build=_version,
            descending=True,
        )


def _version(r: Mapping[str, Any]) -> dict[str, Any]:
    return {"version": r["version"], "created_by": r["created_by"], "created_at": r["created_at"]}


def lint(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    agency_id: int,
    text: str,
    now: datetime,
    fmt: Any = None,
) -> list[LintFinding]:
    """Parse (422 on a bad document) and lint a document against the agency's roster."""
    document = parse_policy(text, fmt)
    with uow:
        agency = agency_info(uow.conn, agency_id)
        roster = caches.rosters.snapshot(uow.conn, agency_id)
    types = insurance_types.catalog(from_agency_settings(agency.settings).insurance_types)
    return lint_document(document, roster, now=now, tz=agency.timezone, types=types)


def dry_run(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    agency_id: int,
    lead_payload: dict[str, Any],
    now: datetime,
    text: str | None = None,
    fmt: Any = None,
) -> Decision:
    """The decision a lead would get at ``now``, under a given document (or the one in force).

    Nothing is written: no lead, no assignment, no rotation step, no audit record.
    """
    active: ActivePolicy | None = activate(parse_policy(text, fmt)) if text else None
    with uow:
        ctx = intake_context(uow.conn, agency_id=agency_id, source=lead_payload.get("source"))
        lead = normalize(lead_payload, required=ctx.required, types=ctx.types)
        if isinstance(lead, list):
            raise ValidationFailed("; ".join(f"{e.field}: {e.reason}" for e in lead), errors=lead)
        client_id = dedupe.lookup(
            uow.conn, agency_id=agency_id, phone=lead.phone, email=lead.email, repeat_since=None
        ).client_id
        domain_lead = Lead(
            id=0,
            agency_id=agency_id,
            status=LeadStatus.NEW,
            created_at=now,
            client_id=client_id,
            insurance_type=lead.insurance_type,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            zip=lead.zip,
            state=lead.state,
            county=lead.county,
            city=lead.city,
            timezone=lead.timezone,
            source=lead.source_name,
            exclusive=lead.exclusive,
            attributes=lead.attributes,
            intent_tier=lead.intent_tier,
        )
        routing_ctx = context_for(uow.conn, caches, lead=domain_lead, now=now, policy=active)
    return route(routing_ctx.roster, routing_ctx.input, routing_ctx.policy)
