"""Web sessions, kept server-side: the cookie holds a random token, the table its hash.

Server-side sessions end for real: logging out, a new password or disabling a user ends
them at once, which a signed cookie alone could not do. Each session has its own CSRF
token, which every form and htmx request of the pages sends back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from leadrouter.services.people.users import User, user_of
from leadrouter.store.tables import users, web_sessions
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class Session:
    """A signed-in user and the CSRF token of their session."""

    user: User
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(*, uow: UnitOfWork, user: User, lifetime: timedelta, now: datetime) -> str:
    """A new session for ``user``; the token (for the cookie) is returned once."""
    token = secrets.token_urlsafe(32)
    with uow:
        uow.conn.execute(
            web_sessions.insert().values(
                agency_id=user.agency_id,
                user_id=user.id,
                token_hash=_hash(token),
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        uow.commit()
    return token


def find_session(*, uow: UnitOfWork, token: str, now: datetime) -> Session | None:
    """The live session of this cookie token, or None (unknown, ended, expired, disabled)."""
    with uow:
        row = uow.conn.execute(
            sa.select(
                web_sessions.c.csrf_token,
                web_sessions.c.expires_at,
                users.c.id,
                users.c.agency_id,
                users.c.email,
                users.c.name,
                users.c.role,
                users.c.producer_id,
                users.c.active,
            )
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_hash == _hash(token), web_sessions.c.ended_at.is_(None))
        ).first()
    if row is None or row.expires_at <= now or not row.active:
        return None
    return Session(user=user_of(row), csrf_token=row.csrf_token)


def end_session(*, uow: UnitOfWork, token: str, now: datetime) -> None:
    """Log out: the session's cookie opens nothing from now on."""
    with uow:
        uow.conn.execute(
            web_sessions.update()
            .where(web_sessions.c.token_hash == _hash(token), web_sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
        uow.commit()


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a CSRF token sent back with the session's."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
