"""Statements of the hot path, compiled once and handed to the driver with their parameters.

``Connection.execute`` of a statement SQLAlchemy has compiled before still builds, for every
call, the parameters by walking the compiled statement's binds, an execution context and a
result with its metadata: about 60 to 120 µs a statement here, more than SQLite takes to run
most of them. A ``Prepared`` statement does that walk once per dialect (and, for an INSERT or
UPDATE, per set of columns given): each call is a tuple (or dict) of values through the same
type processors SQLAlchemy would apply, one ``execute`` on a cursor of the connection, and rows
through the same result processors. The engine's cursor events still see every statement.
``per_shape`` prepares a statement builder's statement once for each shape it builds.

Only for statements of fixed shape: no expanding ``IN`` lists and no literal-rendered
values (``Prepared`` refuses them when it compiles).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.engine.result import result_tuple

_Processor = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Compiled:
    sql: str
    positional: bool
    keys: tuple[str, ...]  # of the binds, in order
    names: tuple[str, ...]  # as sent (named parameter styles)
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]  # the binds with a processor
    defaults: dict[str, Any]  # the values of the statement's own binds (literals, a LIMIT)
    types: tuple[sa.types.TypeEngine[Any], ...]  # of what the statement returns
    make_row: Callable[[Sequence[Any]], Row[Any]] | None
    # Each returned column's processor, found at the first answer: a driver's own type codes
    # (PostgreSQL's numeric ones) choose it, as in SQLAlchemy's results ([]: none has one).
    processors: list[_Processor] | None = None


class Prepared:
    """``statement``, compiled per dialect (and per set of keys, for an INSERT or UPDATE whose
    columns are the keys given) on first use; ``execute``/``executemany`` send it with values."""

    __slots__ = ("_compiled", "_statement")

    def __init__(self, statement: sa.Executable) -> None:
        self._statement = statement
        self._compiled: dict[tuple[str, frozenset[str] | None], _Compiled] = {}

    def execute(self, conn: sa.Connection, params: Mapping[str, Any]) -> list[Any]:
        """Run the statement once; the rows it returns (none for a statement without)."""
        compiled = self._for(conn.dialect, params)
        returns = compiled.make_row is not None
        described, raw = _send(
            conn,
            compiled.sql,
            _values(compiled, params),
            many=False,
            rows=returns,
            describe=returns and compiled.processors is None,
        )
        if not returns:
            return []
        if compiled.processors is None:
            found: list[_Processor] = [
                t._cached_result_processor(conn.dialect, d[1])
                for t, d in zip(compiled.types, described, strict=True)
            ]
            compiled.processors = found if any(found) else []
        return _rows(compiled, raw)

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> Any:
        """The first row the statement returns (a ``Row``), or None."""
        rows = self.execute(conn, params)
        return rows[0] if rows else None

    def executemany(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement (one that returns nothing) once for each of ``rows``."""
        if not rows:
            return
        compiled = self._for(conn.dialect, rows[0])
        values = [_values(compiled, r) for r in rows]
        many = len(values) > 1
        _send(
            conn, compiled.sql, values if many else values[0], many=many, rows=False, describe=False
        )

    def _for(self, dialect: sa.Dialect, params: Mapping[str, Any]) -> _Compiled:
        keys = frozenset(params) if _columns_from_keys(self._statement) else None
        found = self._compiled.get((dialect.name, keys))
        if found is None:
            found = self._compiled[(dialect.name, keys)] = _compile(self._statement, dialect, keys)
        return found


def per_shape(build: Callable[..., sa.Executable]) -> Callable[..., Prepared]:
    """``build``'s statement of each shape (its arguments, hashable), prepared once per shape."""
    return functools.cache(lambda *shape: Prepared(build(*shape)))


def _columns_from_keys(statement: sa.Executable) -> bool:
    """Whether the statement's columns are the keys given (an INSERT's, an UPDATE's SET)."""
    return isinstance(statement, sa.Insert | sa.Update)


def _compile(
    statement: sa.Executable, dialect: sa.Dialect, keys: frozenset[str] | None
) -> _Compiled:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, column_keys=sorted(keys) if keys is not None else None
    )
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("a prepared statement has values rendered at execution")
    escaped = compiled.escaped_bind_names
    processors = compiled._bind_processors
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    order = compiled.positiontup if compiled.positional else list(by_name)
    binds = [by_name[name] for name in order]
    defaults = {b.key: b.effective_value for b in binds if not b.required}
    returned = compiled._result_columns
    make_row = result_tuple([c.keyname for c in returned]) if returned else None
    types = tuple(c.type for c in returned)
    return _Compiled(
        sql=compiled.string,
        positional=compiled.positional,
        keys=tuple(b.key for b in binds),
        names=tuple(escaped.get(name, name) for name in order),
        processed=tuple(
            (i, processors[name]) for i, name in enumerate(order) if name in processors
        ),
        defaults=defaults,
        types=types,
        make_row=make_row,
    )


def _send(
    conn: sa.Connection, sql: str, params: Any, *, many: bool, rows: bool, describe: bool
) -> tuple[Sequence[Any], list[Any]]:
    """``sql`` through a cursor of the connection's own, with the engine's cursor events
    around it and a driver error raised as SQLAlchemy raises it (``IntegrityError`` ...); the
    cursor's description when ``describe`` (psycopg builds it anew, a column at a time, each
    time it is asked: a tenth of a millisecond for a whole lead row) and, when the statement
    ``rows``, the rows it returned. The statement's transaction is the connection's: begun
    here if it is not yet, as SQLAlchemy begins one on a first execute."""
    if not conn.in_transaction():
        conn.begin()
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    events = conn._has_events or conn.engine._has_events
    try:
        if events:  # each listener may hand on another statement (SQLAlchemy's contract)
            for listener in conn.dispatch.before_cursor_execute:
                sql, params = listener(conn, cursor, sql, params, None, many)
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        if events:
            conn.dispatch.after_cursor_execute(conn, cursor, sql, params, None, many)
        described = (cursor.description or ()) if describe else ()
        return described, list(cursor.fetchall()) if rows else []
    except conn.dialect.loaded_dbapi.Error as exc:
        conn._handle_dbapi_exception(exc, sql, params, cursor, None)
        raise  # not reached: the line above raises it wrapped
    finally:
        cursor.close()


def _values(compiled: _Compiled, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    given = {**compiled.defaults, **params} if compiled.defaults else params
    try:
        values = [given[key] for key in compiled.keys]
    except KeyError as missing:
        raise KeyError(f"no value for the bound parameter {missing.args[0]!r}") from None
    for i, processor in compiled.processed:
        values[i] = processor(values[i])
    if compiled.positional:
        return tuple(values)
    return dict(zip(compiled.names, values, strict=True))


def _rows(compiled: _Compiled, raw: Sequence[Sequence[Any]]) -> list[Row[Any]]:
    assert compiled.make_row is not None and compiled.processors is not None
    processors = compiled.processors
    if not processors:
        return [compiled.make_row(r) for r in raw]
    return [
        compiled.make_row([v if p is None else p(v) for p, v in zip(processors, r, strict=True)])
        for r in raw
    ]
