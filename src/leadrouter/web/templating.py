"""The Jinja2 environment of the pages and the filters that format their numbers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from leadrouter.domain.model import lead_display_name
from leadrouter.intake.phones import for_display
from leadrouter.services.people.sessions import Session

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def duration(seconds: float | int | None) -> str:
    """Seconds as people say them: "45 s", "8 min", "2 h 5 min", "3 d"; "-" when unknown."""
    if seconds is None:
        return "-"
    s = int(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s < 60:
        return f"{sign}{s} s"
    if s < 3600:
        return f"{sign}{s // 60} min"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{sign}{h} h {m} min" if m else f"{sign}{h} h"
    return f"{sign}{s // 86400} d"


def money(value: Decimal | float | int | None) -> str:
    """Dollars without cents, half a dollar up as people round money: "$14,200", "$1,251"
    for 1,250.50; "-" when unknown."""
    if value is None:
        return "-"
    dollars = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"${dollars:,}"


def percent(value: float | None) -> str:
    """A share as a whole percent; "-" when there is nothing to divide."""
    return "-" if value is None else f"{value * 100:.0f}%"


def local_time(
    value: datetime | str | None, tz: str = "America/New_York", *, dated: bool = False
) -> str:
    """An instant (or its ISO 8601 text, as the API documents carry it) in the agency's
    zone, short: "Tue 09:41"; ``dated`` for lists that span more than a week (refusals,
    the queue, a chart's 30 days): "Tue 3 Mar 09:41"."""
    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime(f"%a {local.day} %b %H:%M" if dated else "%a %H:%M")


def lead_name(row: Any) -> str:
    """A lead's name on a page (``domain.model.lead_display_name``): a caller without a name
    by their phone as people read it, else by the lead's number, never an empty link. The
    row is a mapping, a database row or a dataclass about a lead."""
    fields: Mapping[str, Any]
    if isinstance(row, Mapping):
        fields = row
    elif dataclasses.is_dataclass(row) and not isinstance(row, type):
        fields = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    else:
        fields = getattr(row, "_mapping", {})
    phone = for_display(fields.get("phone"))
    lead_id = fields.get("id", fields.get("lead_id"))  # a lead's row, or a row about a lead
    return lead_display_name(fields.get("first_name"), fields.get("last_name"), phone, lead_id)


templates.env.filters.update(
    duration=duration,
    money=money,
    percent=percent,
    local=local_time,
    lead_name=lead_name,
    phone_display=for_display,  # a tel: or sms: link keeps the stored E.164 value
)


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    session: Session | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Render a template with the signed-in session (for the header and CSRF token)."""
    full = {"session": session, "user": session.user if session else None, **context}
    return templates.TemplateResponse(request, name, full, status_code=status)
