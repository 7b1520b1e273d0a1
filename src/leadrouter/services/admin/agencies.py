"""Agencies and their API keys (stored hashed, scoped to one agency)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.errors import NotFound, Unauthorized
from leadrouter.intake.settings import from_agency_settings
from leadrouter.services.admin.security import form_of
from leadrouter.services.people.users import check_role
from leadrouter.store.tables import agencies, api_keys
from leadrouter.store.uow import UnitOfWork

KEY_PREFIX = "lr_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an agency, through one of its keys (bound to a producer or not)."""

    agency_id: int
    key_id: int
    role: str
    producer_id: int | None = None


@dataclass(frozen=True)
class NewAgency:
    agency_id: int
    api_key: str
    public_form_key: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def create_agency(
    *,
    uow: UnitOfWork,
    name: str,
    now: datetime,
    timezone: str = "America/New_York",
    api_key: str | None = None,
) -> NewAgency:
    """Create an agency with a first (admin) key; the key is returned once, stored hashed."""
    with uow:
        form_key = secrets.token_urlsafe(12)
        agency_id = uow.conn.execute(
            agencies.insert()
            .values(
                name=name,
                timezone=timezone,
                public_form_key=form_key,
                settings={},
                created_at=now,
            )
            .returning(agencies.c.id)
        ).scalar_one()
        key = api_key or _new_key()
        _insert_key(uow, agency_id=agency_id, key=key, name="initial", role=Role.MANAGER, now=now)
        uow.commit()
    return NewAgency(agency_id=agency_id, api_key=key, public_form_key=form_key)


def _insert_key(
    uow: UnitOfWork,
    *,
    agency_id: int,
    key: str,
    name: str,
    role: str,
    now: datetime,
    producer_id: int | None = None,
) -> int:
    return int(
        uow.conn.execute(
            api_keys.insert()
            .values(
                agency_id=agency_id,
                name=name,
                prefix=key[:10],
                key_hash=hash_key(key),
                role=role,
                producer_id=producer_id,
                created_at=now,
            )
            .returning(api_keys.c.id)
        ).scalar_one()
    )


def issue_key(
    *,
    uow: UnitOfWork,
    agency_id: int,
    name: str,
    now: datetime,
    role: str = Role.MANAGER,
    producer_id: int | None = None,
) -> tuple[int, str]:
    """A new key for the agency; the plain key is returned once and never stored.

    A producer key is bound to one producer of the agency and acts only as that producer.
    """
    with uow:
        exists = uow.conn.execute(
            sa.select(agencies.c.id).where(agencies.c.id == agency_id)
        ).first()
        if exists is None:
            raise NotFound(f"agency {agency_id} does not exist")
        check_role(
            uow.conn, agency_id=agency_id, role=role, producer_id=producer_id, roles=tuple(Role)
        )
        key = _new_key()
        key_id = _insert_key(
            uow,
            agency_id=agency_id,
            key=key,
            name=name,
            role=role,
            now=now,
            producer_id=producer_id,
        )
        uow.commit()
    return key_id, key


def revoke_key(*, uow: UnitOfWork, agency_id: int, key_id: int, now: datetime) -> None:
    """Revoke one of the agency's keys; requests with it get 401 from now on."""
    with uow:
        done = uow.conn.execute(
            api_keys.update()
            .where(api_keys.c.id == key_id, api_keys.c.agency_id == agency_id)
            .values(revoked_at=now)
        )
        if done.rowcount == 0:
            raise NotFound(f"API key {key_id} does not exist")
        uow.commit()


def authenticate(*, uow: UnitOfWork, key_hash: str) -> Principal:
    """The principal a bearer key stands for (given by its ``hash_key``), or Unauthorized."""
    with uow:
        row = uow.conn.execute(
            sa.select(
                api_keys.c.id, api_keys.c.agency_id, api_keys.c.role, api_keys.c.producer_id
            ).where(api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))
        ).first()
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return Principal(
        agency_id=row.agency_id, key_id=row.id, role=row.role, producer_id=row.producer_id
    )


class KnownKeys:
    """The principals of API keys this process has authenticated, by key hash, so a route
    whose own transaction confirms the key (``receive_lead(caller_key=...)``) needs no read
    of its own. Only identities are kept (a key's agency, role and producer never change);
    whether a key is still in force is never taken from here: a revoke in any process
    refuses the very next request. Bounded: the oldest entry goes when it is full."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._known: dict[str, Principal] = {}

    def get(self, key_hash: str) -> Principal | None:
        with self._lock:
            return self._known.get(key_hash)

    def remember(self, key_hash: str, principal: Principal) -> None:
        with self._lock:
            if len(self._known) >= self._size:
                self._known.pop(next(iter(self._known)))
            self._known[key_hash] = principal

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._known.pop(key_hash, None)


@dataclass(frozen=True)
class WebForm:
    """Whose public web form a form key opens, and where a browser goes after posting."""

    agency_id: int
    thank_you_url: str | None
    source: str = "web_form"
    honeypot: str = "website"


def web_form(*, uow: UnitOfWork, form_key: str) -> WebForm:
    """The agency whose public web form uses this key (one read: id and settings)."""
    with uow:
        row = uow.conn.execute(
            sa.select(agencies.c.id, agencies.c.settings).where(
                agencies.c.public_form_key == form_key
            )
        ).first()
    if row is None:
        raise NotFound("unknown form")
    settings = from_agency_settings(row.settings)
    form = form_of(dict(row.settings or {}))
    return WebForm(
        agency_id=int(row.id),
        thank_you_url=settings.form_thank_you_url,
        source=form.source,
        honeypot=form.honeypot_field,
    )


def count_agencies(*, uow: UnitOfWork) -> int:
    with uow:
        return int(uow.conn.execute(sa.select(sa.func.count()).select_from(agencies)).scalar_one())
