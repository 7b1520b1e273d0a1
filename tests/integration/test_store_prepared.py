"""A statement handed to the driver directly (``store.prepared``) answers as SQLAlchemy's own
execution of it does: the same values of the same types, the same errors, the same events."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.store.prepared import Prepared
from leadrouter.store.tables import lead_status_changes, leads
from tests.support.factories import lead_row, make_agency

INSERT_LEAD = leads.insert().returning(*leads.c)


def _lead(agency_id: int, c: Container, **values: object) -> dict[str, object]:
    return lead_row(
        agency_id=agency_id,
        now=c.clock.now(),
        email="ada@example.com",
        phone="+12125550234",
        attributes={"vehicles": 2, "note": "naïve"},
        flags={"vip": True},
        policy_expiration=date(2027, 1, 31),
        **values,
    )


def test_a_prepared_insert_returns_the_row_sqlalchemy_returns(container: Container) -> None:
    agency = make_agency(container)
    with container.engine.begin() as conn:
        by_sqlalchemy = conn.execute(INSERT_LEAD, _lead(agency.id, container)).one()
        (prepared,) = Prepared(INSERT_LEAD).execute(conn, _lead(agency.id, container))

    ours, theirs = dict(prepared._mapping), dict(by_sqlalchemy._mapping)
    assert ours.pop("id") == theirs.pop("id") + 1
    assert ours == theirs
    assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}
    assert ours["created_at"].tzinfo is not None  # the UTC type's result processing ran
    assert ours["attributes"] == {"vehicles": 2, "note": "naïve"}
    assert prepared.policy_expiration == date(2027, 1, 31)


def test_an_update_binds_its_own_values_and_the_keys_given(container: Container) -> None:
    agency = make_agency(container)
    rename = Prepared(
        leads.update()
        .where(leads.c.id == sa.bindparam("lead_id"))
        .values(touch_count=leads.c.touch_count + 1)
        .returning(leads.c.first_name, leads.c.touch_count)
    )
    with container.engine.begin() as conn:
        (row,) = Prepared(INSERT_LEAD).execute(conn, _lead(agency.id, container))
        after = rename.first(conn, {"lead_id": row.id, "first_name": "Grace"})
        missing = rename.first(conn, {"lead_id": row.id + 99, "first_name": "Grace"})

    assert (after.first_name, after.touch_count) == ("Grace", 2)
    assert missing is None


def test_executemany_writes_every_row_and_the_engine_sees_each_statement(
    container: Container,
) -> None:
    agency = make_agency(container)
    seen: list[tuple[str, bool]] = []

    def listen(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's, issued by the engine (store.db)
            seen.append((statement.split()[0], many))

    sa.event.listen(container.engine, "before_cursor_execute", listen)
    try:
        with container.engine.begin() as conn:
            (row,) = Prepared(INSERT_LEAD).execute(conn, _lead(agency.id, container))
            history = [
                {
                    "agency_id": agency.id,
                    "lead_id": row.id,
                    "status": status,
                    "at": container.clock.now(),
                    "reason": None,
                }
                for status in ("new", "assigned", "contacted")
            ]
            Prepared(lead_status_changes.insert()).executemany(conn, history)
            Prepared(lead_status_changes.insert()).executemany(conn, [])
    finally:
        sa.event.remove(container.engine, "before_cursor_execute", listen)

    with container.engine.connect() as conn:
        statuses = conn.execute(
            sa.select(lead_status_changes.c.status).order_by(lead_status_changes.c.id)
        ).scalars()
        assert list(statuses) == ["new", "assigned", "contacted"]
    assert seen == [("INSERT", False), ("INSERT", True)]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(container: Container) -> None:
    agency = make_agency(container)
    with pytest.raises(sa.exc.IntegrityError), container.engine.begin() as conn:
        Prepared(INSERT_LEAD).execute(conn, _lead(agency.id, container, status=None))


def test_a_statement_whose_values_are_rendered_at_execution_is_refused(
    container: Container,
) -> None:
    expanding = Prepared(sa.select(leads.c.id).where(leads.c.id.in_(sa.bindparam("ids"))))
    with container.engine.connect() as conn, pytest.raises(ValueError, match="rendered"):
        expanding.execute(conn, {"ids": [1, 2]})


def test_a_missing_value_is_named(container: Container) -> None:
    by_id = Prepared(sa.select(leads.c.id).where(leads.c.id == sa.bindparam("lead_id")))
    with container.engine.connect() as conn, pytest.raises(KeyError, match="lead_id"):
        by_id.execute(conn, {})


def test_a_first_statement_begins_the_transaction_that_commit_ends(container: Container) -> None:
    """As SQLAlchemy's execute does: else PostgreSQL's driver begins one of its own, which
    SQLAlchemy does not know to commit, and the row is lost when the connection closes."""
    agency = make_agency(container)
    with container.engine.connect() as conn:
        (row,) = Prepared(INSERT_LEAD).execute(conn, _lead(agency.id, container))
        conn.commit()
    with container.engine.connect() as conn:
        found = conn.execute(sa.select(leads.c.id).where(leads.c.id == row.id)).scalar()
    assert found == row.id


def test_a_statement_is_described_once_not_on_every_call(
    pg_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg builds a cursor's description anew, a column at a time, whenever it is read:
    a whole lead row's costs a tenth of a millisecond. Its type codes choose the result
    processors at the first answer; later calls only fetch the rows."""
    import psycopg

    asked: list[int] = []
    describe = psycopg.Cursor.description

    def counted(cursor: Any) -> Any:
        asked.append(1)
        return describe.fget(cursor)  # type: ignore[attr-defined]

    agency = make_agency(pg_container)
    insert = Prepared(INSERT_LEAD)
    monkeypatch.setattr(psycopg.Cursor, "description", property(counted))
    with pg_container.engine.begin() as conn:
        rows = [
            insert.first(conn, _lead(agency.id, pg_container, first_name=f"P{i}")) for i in range(3)
        ]
        Prepared(leads.insert()).executemany(
            conn, [_lead(agency.id, pg_container, first_name=f"Q{i}") for i in range(2)]
        )
    assert len(asked) == 1
    assert [r.first_name for r in rows] == [f"P{i}" for i in range(3)]
    assert all(r.created_at.tzinfo is not None for r in rows)  # processors still applied
