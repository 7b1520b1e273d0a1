"""The one pagination scheme of every list: keyset pages on id, continued by an opaque cursor.

A list answers ``{"items": [...], "next_cursor": "..."}``; passing ``?cursor=<next_cursor>``
(with the same filters) gives the next page, and ``next_cursor`` is null on the last one.
Each list keeps one order (by id: oldest first, or newest first for feeds such as leads,
the outbox and alerts), so a page never repeats or skips a row that existed when the first
page was read. A cursor names its list (``lead:41`` base64url-encoded), so one list's cursor
is refused by another, as is anything we did not give out: 422 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from leadrouter.errors import FieldError, ValidationFailed

T = TypeVar("T")

MAX_PAGE = 500
_CURSOR = re.compile(r"^([a-z_]{1,40}):(\d{1,18})$")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Some items, and the cursor to the next page (None at the end)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(kind: str, last_id: int) -> str:
    """An opaque cursor that continues the list ``kind`` after the row ``last_id``."""
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
    """The id a cursor of the list ``kind`` continues after, or 422 naming ``cursor``."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR.match(text)
    if match is None or match.group(1) != kind:
        raise ValidationFailed(
            "cursor is not one this API gave out",
            errors=[FieldError("cursor", "is not a cursor this API gave out")],
        )
    return int(match.group(2))


def where_given(query: sa.Select[Any], *filters: tuple[Any, object]) -> sa.Select[Any]:
    """``query`` narrowed by each ``(column, value)`` filter whose value is given (None: any)."""
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return query


def page(
    conn: sa.Connection,
    query: sa.Select[Any],
    table: sa.Table,
    *,
    kind: str,
    cursor: str | None,
    limit: int,
    build: Callable[[Mapping[Any, Any]], T],
    descending: bool = False,
    max_limit: int = MAX_PAGE,
    order: Sequence[tuple[sa.ColumnElement[Any], bool]] = (),
) -> Page[T]:
    """At most ``limit`` rows of ``query`` past the cursor: ids above it in id order, or below
    it when ``descending`` (newest first).

    A list kept in another order names its leading keys in ``order`` (each a column of
    ``table`` and whether it runs descending); the id still breaks ties. Its cursor still names
    only the last row's id: the row's keys are read back from ``table`` to continue after it.
    """
    limit = max(1, min(limit, max_limit))
    keys = [*order, (table.c.id, descending)]
    if cursor is not None:
        after = decode_cursor(kind, cursor)
        query = query.where(_past(conn, table, keys, after))
    ordering = [column.desc() if desc else column for column, desc in keys]
    rows = list(conn.execute(query.order_by(*ordering).limit(limit + 1)).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([build(r) for r in rows], encode_cursor(kind, rows[-1]["id"]) if more else None)


def _past(
    conn: sa.Connection,
    table: sa.Table,
    keys: Sequence[tuple[sa.ColumnElement[Any], bool]],
    after: int,
) -> sa.ColumnElement[bool]:
    """Rows that come after the row ``after`` in the order of ``keys`` (the last key is id)."""
    if len(keys) == 1:
        return table.c.id < after if keys[0][1] else table.c.id > after
    values = conn.execute(sa.select(*(c for c, _ in keys)).where(table.c.id == after)).first()
    if values is None:
        raise ValidationFailed(
            "cursor names a row that is gone",
            errors=[FieldError("cursor", "names a row that is gone; start again")],
        )
    later = []
    for i, (column, desc) in enumerate(keys):
        ties = [k == v for (k, _), v in zip(keys[:i], values[:i], strict=True)]
        later.append(sa.and_(*ties, column < values[i] if desc else column > values[i]))
    return sa.or_(*later)
