"""The routing policy document: read, replace (a new version), lint, dry-run."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.ids import Instant
from leadrouter.api.paging import Cursor, Limit, PageOut, page_body
from leadrouter.domain.routing import decision_document
from leadrouter.errors import ValidationFailed
from leadrouter.services.admin import policy

router = APIRouter(tags=["policy"])
_DOC_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The policy document, as JSON or YAML (Content-Type application/yaml).",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}
_PROBLEM: dict[int | str, dict[str, Any]] = {
    422: {
        "content": {"application/problem+json": {}},
        "description": "Each invalid path of the document and why.",
    }
}


async def _document_text(request: Request) -> tuple[str, str]:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    fmt = (
        "yaml"
        if content_type in {"application/yaml", "application/x-yaml", "text/yaml"}
        else "json"
    )
    raw = await request.body()
    try:
        return raw.decode("utf-8"), fmt
    except UnicodeDecodeError:
        raise ValidationFailed("the document is not UTF-8 text") from None


@router.get("/policy")
def get_policy(container: ContainerDep, principal: PrincipalDep) -> dict[str, Any]:
    """The document in force (version 0 is the shipped default)."""
    doc = policy.current_policy(
        uow=container.uow(readonly=True), caches=container.routing, agency_id=principal.agency_id
    )
    return doc.model_dump(mode="json")


@router.put("/policy", openapi_extra=_DOC_BODY, responses=_PROBLEM)
async def put_policy(
    request: Request, container: ContainerDep, principal: ManagerDep
) -> dict[str, Any]:
    """Store a new version of the document; the next decision uses it."""
    text, fmt = await _document_text(request)
    from starlette.concurrency import run_in_threadpool

    doc = await run_in_threadpool(
        policy.put_policy,
        uow=container.uow(),
        agency_id=principal.agency_id,
        text=text,
        fmt=fmt,
        actor=f"key {principal.key_id}",
        now=container.clock.now(),
    )
    return doc.model_dump(mode="json")


@router.get("/policy/versions", response_model=PageOut[dict[str, Any]])
def policy_versions(
    container: ContainerDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    """The stored versions, newest first, a page at a time."""
    found = policy.versions(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        cursor=cursor,
        limit=limit,
    )
    return page_body(found)


@router.post("/policy/lint", openapi_extra=_DOC_BODY, responses=_PROBLEM)
async def lint_policy(
    request: Request, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Lint a document against the roster: unreachable steps, overlapping territories,
    uncovered states and lines, pools whose caps sum to zero."""
    text, fmt = await _document_text(request)
    from starlette.concurrency import run_in_threadpool

    findings = await run_in_threadpool(
        policy.lint,
        uow=container.uow(readonly=True),
        caches=container.routing,
        agency_id=principal.agency_id,
        text=text,
        fmt=fmt,
        now=container.clock.now(),
    )
    return {"findings": [dataclasses.asdict(f) for f in findings]}


class DryRunIn(BaseModel):
    lead: dict[str, Any] = Field(description="A lead body, as POST /v1/leads takes it.")
    policy: dict[str, Any] | None = Field(
        default=None, description="A document to try; the one in force when absent."
    )
    at: Instant | None = Field(
        default=None, description="When to route it (default: now), e.g. a weekday morning."
    )


@router.post("/policy/dry-run", responses=_PROBLEM)
def dry_run(body: DryRunIn, container: ContainerDep, principal: PrincipalDep) -> dict[str, Any]:
    """Where this lead would go now; nothing is written."""
    import json

    decision = policy.dry_run(
        uow=container.uow(readonly=True),
        caches=container.routing,
        agency_id=principal.agency_id,
        lead_payload=body.lead,
        text=json.dumps(body.policy) if body.policy is not None else None,
        fmt="json",
        now=body.at or container.clock.now(),
    )
    return decision_document(decision, compact=False)
