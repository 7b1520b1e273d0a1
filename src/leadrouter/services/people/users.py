"""Users of the web pages: one role each; a producer user is bound to one producer record.

Passwords are stored as argon2 hashes (pwdlib). Repeated failures lock the account for a
while; a disabled user cannot sign in and their open sessions end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from leadrouter.domain.model import Role
from leadrouter.errors import Conflict, FieldError, NotFound, ValidationFailed
from leadrouter.store.tables import producers, users, web_sessions
from leadrouter.store.uow import UnitOfWork

USER_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.PRODUCER, Role.COMPLIANCE)
MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

# OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane): strong, yet a sign-in
# costs a fraction of a second on a small shared machine. Older hashes are upgraded on sign-in.
_hasher = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))


@cache
def _dummy_hash() -> str:
    # Verified when the email is unknown, so a wrong email costs as long as a wrong password;
    # made on first use, not at import.
    return _hasher.hash("not a password anyone has")


@dataclass(frozen=True)
class User:
    """A signed-in person as the pages see them."""

    id: int
    agency_id: int
    email: str
    name: str
    role: str
    producer_id: int | None


def hash_password(password: str) -> str:
    """The argon2 hash stored for ``password``."""
    return _hasher.hash(password)


def check_role(
    conn: sa.Connection,
    *,
    agency_id: int,
    role: str,
    producer_id: int | None,
    roles: tuple[str, ...] = USER_ROLES,
) -> None:
    """A producer role needs a producer of this agency; the other roles take none."""
    if role not in roles:
        allowed = ", ".join(roles)
        raise ValidationFailed(
            f"role must be one of {allowed}", errors=[FieldError("role", f"not one of {allowed}")]
        )
    if role == Role.PRODUCER and producer_id is None:
        raise ValidationFailed(
            "a producer must be bound to a producer record",
            errors=[FieldError("producer_id", "required for the producer role")],
        )
    if role != Role.PRODUCER and producer_id is not None:
        raise ValidationFailed(
            "only the producer role is bound to a producer",
            errors=[FieldError("producer_id", f"not allowed for role {role}")],
        )
    if producer_id is not None:
        found = conn.execute(
            sa.select(producers.c.id).where(
                producers.c.id == producer_id, producers.c.agency_id == agency_id
            )
        ).first()
        if found is None:
            raise NotFound(f"producer {producer_id} does not exist")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"a password needs at least {MIN_PASSWORD} characters",
            errors=[FieldError("password", f"shorter than {MIN_PASSWORD} characters")],
        )


def add_user(
    *,
    uow: UnitOfWork,
    agency_id: int,
    email: str,
    name: str,
    role: str,
    password: str,
    now: datetime,
    producer_id: int | None = None,
    password_hash: str | None = None,
) -> int:
    """Create a user of the agency; 409 when the email is taken there. ``password_hash``
    (of ``password``, from ``hash_password``) saves hashing one password for many users."""
    _check_password(password)
    email = email.strip().lower()
    with uow:
        check_role(uow.conn, agency_id=agency_id, role=role, producer_id=producer_id)
        taken = uow.conn.execute(
            sa.select(users.c.id).where(users.c.agency_id == agency_id, users.c.email == email)
        ).first()
        if taken is not None:
            raise Conflict(f"a user with email {email} exists already")
        user_id = uow.conn.execute(
            users.insert()
            .values(
                agency_id=agency_id,
                email=email,
                name=name or email,
                role=role,
                producer_id=producer_id,
                password_hash=password_hash or hash_password(password),
                active=True,
                failed_attempts=0,
                created_at=now,
            )
            .returning(users.c.id)
        ).scalar_one()
        uow.commit()
    return int(user_id)


def _user_id(conn: sa.Connection, agency_id: int, email: str) -> int:
    found = conn.execute(
        sa.select(users.c.id).where(
            users.c.agency_id == agency_id, users.c.email == email.strip().lower()
        )
    ).first()
    if found is None:
        raise NotFound(f"no user with email {email}")
    return int(found.id)


def set_password(
    *, uow: UnitOfWork, agency_id: int, email: str, password: str, now: datetime
) -> None:
    """A new password; it also lifts a lockout and ends the user's open sessions."""
    _check_password(password)
    with uow:
        user_id = _user_id(uow.conn, agency_id, email)
        uow.conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(password_hash=hash_password(password), failed_attempts=0, locked_until=None)
        )
        _end_sessions(uow.conn, user_id, now)
        uow.commit()


def disable_user(*, uow: UnitOfWork, agency_id: int, email: str, now: datetime) -> None:
    """The user can no longer sign in; their open sessions end now."""
    with uow:
        user_id = _user_id(uow.conn, agency_id, email)
        uow.conn.execute(users.update().where(users.c.id == user_id).values(active=False))
        _end_sessions(uow.conn, user_id, now)
        uow.commit()


def _end_sessions(conn: sa.Connection, user_id: int, now: datetime) -> None:
    conn.execute(
        web_sessions.update()
        .where(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def verify_sign_in(*, uow: UnitOfWork, email: str, password: str, now: datetime) -> User | None:
    """The user these credentials open, or None (wrong, unknown, disabled or locked).

    Each failure counts against every account with that email; the fifth in a row locks the
    account for 15 minutes, during which even the right password is refused.
    """
    email = email.strip().lower()
    with uow:
        rows = uow.conn.execute(sa.select(users).where(users.c.email == email)).all()
        if not rows:
            _hasher.verify(password, _dummy_hash())
            return None
        for row in rows:
            if row.active and _unlocked(row.locked_until, now):
                valid, new_hash = _hasher.verify_and_update(password, row.password_hash)
                if valid:
                    values: dict[str, object] = {
                        "failed_attempts": 0,
                        "locked_until": None,
                        "last_sign_in_at": now,
                    }
                    if new_hash is not None:
                        values["password_hash"] = new_hash
                    uow.conn.execute(users.update().where(users.c.id == row.id).values(values))
                    uow.commit()
                    return user_of(row)
        for row in rows:
            if not _unlocked(row.locked_until, now):
                continue  # a locked account's lock is not lengthened by more guesses
            failures = row.failed_attempts + 1
            locked = now + LOCKOUT if failures >= MAX_FAILURES else row.locked_until
            uow.conn.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(
                    failed_attempts=0 if failures >= MAX_FAILURES else failures, locked_until=locked
                )
            )
        uow.commit()
    return None


def _unlocked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is None or locked_until <= now


def user_of(row: Any) -> User:
    """The ``User`` of a row that has the users table's identity columns."""
    return User(
        id=row.id,
        agency_id=row.agency_id,
        email=row.email,
        name=row.name,
        role=row.role,
        producer_id=row.producer_id,
    )


def list_users(*, uow: UnitOfWork, agency_id: int) -> list[dict[str, object]]:
    """The agency's users, by email, without their password hashes."""
    with uow:
        rows = uow.conn.execute(
            sa.select(
                users.c.id,
                users.c.email,
                users.c.name,
                users.c.role,
                users.c.producer_id,
                users.c.active,
                users.c.locked_until,
            )
            .where(users.c.agency_id == agency_id)
            .order_by(users.c.email)
        ).all()
    return [dict(r._mapping) for r in rows]


def producer_id_of(*, uow: UnitOfWork, agency_id: int, external_id: str) -> int | None:
    """The id of the agency's producer with this external id (from the roster files)."""
    with uow:
        row = uow.conn.execute(
            sa.select(producers.c.id).where(
                producers.c.agency_id == agency_id, producers.c.external_id == external_id
            )
        ).first()
    return None if row is None else int(row.id)
