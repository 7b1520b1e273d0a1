"""An agency's security settings: its SMS provider auth token and private webhook targets.

They live in ``agencies.settings`` beside the intake settings. The auth token is sealed at
rest and never read back through the API: only whether one is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import NotFound
from leadrouter.notify.targets import ALLOW_PRIVATE
from leadrouter.sealing import Sealer
from leadrouter.store.tables import agencies, policies
from leadrouter.store.uow import UnitOfWork

FORM_SOURCE = "form_source"
FORM_HONEYPOT = "form_honeypot_field"
SMS_TOKEN = "sms_auth_token"


@dataclass(frozen=True)
class SecuritySettings:
    """What the API shows of an agency's security settings."""

    sms_auth_token_set: bool
    allow_private_webhook_targets: bool


@dataclass(frozen=True)
class HookAgency:
    """The agency behind a public form key, as an inbound hook needs it."""

    agency_id: int
    name: str
    sms_auth_token: str | None
    policy_version: int  # of the routing policy in force as this read saw it (0: the default)


def get_security(*, uow: UnitOfWork, agency_id: int) -> SecuritySettings:
    """The agency's security settings (no secret in them)."""
    with uow:
        return _view(_doc(uow.conn, agency_id))


def update_security(
    *,
    uow: UnitOfWork,
    sealer: Sealer,
    agency_id: int,
    sms_auth_token: str | None = None,
    clear_sms_auth_token: bool = False,
    allow_private_webhook_targets: bool | None = None,
) -> SecuritySettings:
    """Change the settings given; the others, and every other agency setting, are kept."""
    with uow:
        doc = _doc(uow.conn, agency_id, for_update=True)
        if clear_sms_auth_token:
            doc.pop(SMS_TOKEN, None)
        elif sms_auth_token is not None:
            doc[SMS_TOKEN] = sealer.seal(sms_auth_token)
        if allow_private_webhook_targets is not None:
            doc[ALLOW_PRIVATE] = allow_private_webhook_targets
        uow.conn.execute(agencies.update().where(agencies.c.id == agency_id).values(settings=doc))
        uow.commit()
    return _view(doc)


@dataclass(frozen=True)
class FormSettings:
    """The public web form's own configuration, which a poster cannot override."""

    source: str
    honeypot_field: str


def get_form(*, uow: UnitOfWork, agency_id: int) -> FormSettings:
    """The source the form's leads get, and the name of its honeypot field."""
    with uow:
        return form_of(_doc(uow.conn, agency_id))


def update_form(
    *,
    uow: UnitOfWork,
    agency_id: int,
    source: str | None = None,
    honeypot_field: str | None = None,
) -> FormSettings:
    """Change the form's source or honeypot field name; the rest is kept."""
    with uow:
        doc = _doc(uow.conn, agency_id, for_update=True)
        if source is not None:
            doc[FORM_SOURCE] = source
        if honeypot_field is not None:
            doc[FORM_HONEYPOT] = honeypot_field
        uow.conn.execute(agencies.update().where(agencies.c.id == agency_id).values(settings=doc))
        uow.commit()
    return form_of(doc)


def form_of(doc: dict[str, Any]) -> FormSettings:
    """The form settings kept in an agency's settings document."""
    return FormSettings(
        source=str(doc.get(FORM_SOURCE) or "web_form"),
        honeypot_field=str(doc.get(FORM_HONEYPOT) or "website"),
    )


def allows_private_targets(conn: sa.Connection, agency_id: int) -> bool:
    """Whether the agency may send webhooks to loopback, link-local or private addresses."""
    return bool(_doc(conn, agency_id).get(ALLOW_PRIVATE, False))


# Built once: every provider hook (texts, calls) reads it first.
_HOOK_AGENCY = sa.select(
    agencies.c.id,
    agencies.c.name,
    agencies.c.settings,
    sa.select(sa.func.max(policies.c.version))
    .where(policies.c.agency_id == agencies.c.id)
    .scalar_subquery()
    .label("policy_version"),
).where(agencies.c.public_form_key == sa.bindparam("form_key"))


def hook_agency(*, uow: UnitOfWork, sealer: Sealer, form_key: str) -> HookAgency:
    """The agency a public form key names, with its opened SMS auth token."""
    with uow:
        return find_hook_agency(uow.conn, sealer, form_key)


def find_hook_agency(conn: sa.Connection, sealer: Sealer, form_key: str) -> HookAgency:
    """``hook_agency`` in the caller's transaction (a hook's use case reads it first)."""
    row = conn.execute(_HOOK_AGENCY, {"form_key": form_key}).first()
    if row is None:
        raise NotFound("unknown form")
    stored = (row.settings or {}).get(SMS_TOKEN)
    return HookAgency(
        agency_id=row.id,
        name=row.name,
        sms_auth_token=sealer.open(stored) if isinstance(stored, str) else None,
        policy_version=int(row.policy_version or 0),
    )


def _view(doc: dict[str, Any]) -> SecuritySettings:
    return SecuritySettings(
        sms_auth_token_set=bool(doc.get(SMS_TOKEN)),
        allow_private_webhook_targets=bool(doc.get(ALLOW_PRIVATE, False)),
    )


def _doc(conn: sa.Connection, agency_id: int, *, for_update: bool = False) -> dict[str, Any]:
    query = sa.select(agencies.c.settings).where(agencies.c.id == agency_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return dict(row.settings or {})
