"""Leads and their events as JSON documents: what the API serves and idempotency replays."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def iso(at: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with a ``Z``."""
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def lead_document(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A ``leads`` row (or the values just inserted, with ``id``) as the API shows it."""
    return {
        "id": row["id"],
        "status": row["status"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row["email"],
        "phone": row["phone"],
        "zip": row["zip"],
        "state": row["state"],
        "county": row["county"],
        "city": row["city"],
        "timezone": row["timezone"],
        "insurance_type": row["insurance_type"],
        "business_line": row["business_line"],
        "source": row["source_name"],
        "current_carrier": row["current_carrier"],
        "policy_expiration": _day(row["policy_expiration"]),
        "exclusive": row["exclusive"],
        "notes": row["notes"],
        "attributes": row["attributes"],
        "flags": row["flags"],
        "client_id": row["client_id"],
        "related_lead_id": row.get("related_lead_id"),
        "owner_id": row["owner_id"],
        "intent_tier": row["intent_tier"],
        "do_not_contact": row["do_not_contact"],
        "touch_count": row["touch_count"],
        "last_touch_at": iso(row["last_touch_at"]),
        "created_at": iso(row["created_at"]),
        "status_changed_at": iso(row["status_changed_at"]),
        # Set once the lead is worked; absent from the values of a lead just inserted.
        "first_assigned_at": iso(row.get("first_assigned_at")),
        "first_contact_at": iso(row.get("first_contact_at")),
        "response_seconds": row.get("response_seconds"),
        "premium": _money(row.get("premium")),
        # Intent (issue 10): absent from the values of a lead just inserted.
        "intent_score": row.get("intent_score"),
        "intent_source": row.get("intent_source"),
        "predicted_conversion": row.get("predicted_conversion"),
        "quoted_at": iso(row.get("quoted_at")),
        "quoted_premium": _money(row.get("quoted_premium")),
        "bound_at": iso(row.get("bound_at")),
        "policy_number": row.get("policy_number"),
        "commission": _money(row.get("commission")),
        "lost_reason": row.get("lost_reason"),
    }


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def event_document(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A ``lead_events`` row as the API shows it."""
    return {
        "id": row["id"],
        "lead_id": row["lead_id"],
        "type": row["type"],
        "at": iso(row["at"]),
        "data": row["data"],
        "created_at": iso(row["created_at"]),
    }


def status_document(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A ``lead_status_changes`` row as the API shows it."""
    return {"status": row["status"], "at": iso(row["at"]), "reason": row["reason"]}


def encode(document: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes a response carries and a replay repeats."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
