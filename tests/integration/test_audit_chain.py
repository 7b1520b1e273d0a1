import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.store.audit import verify_chain
from leadrouter.store.tables import decisions
from tests.support.factories import make_agency, make_chain


def test_an_untouched_chain_verifies(container: Container) -> None:
    agency = make_agency(container)
    make_chain(container, agency.id, 5)
    with container.engine.connect() as conn:
        assert verify_chain(conn, agency_id=agency.id) is None


def _tamper(container: Container, change: sa.Executable) -> None:
    """Change the log as someone owning the database could: triggers off, change, back on."""
    with container.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE decisions DISABLE TRIGGER decisions_append_only"))
            conn.execute(change)
            conn.execute(sa.text("ALTER TABLE decisions ENABLE TRIGGER decisions_append_only"))
        else:  # each SQLite test has a database file of its own
            conn.execute(sa.text("DROP TRIGGER decisions_no_update"))
            conn.execute(sa.text("DROP TRIGGER decisions_no_delete"))
            conn.execute(change)


def test_the_database_refuses_to_change_or_delete_a_decision(container: Container) -> None:
    agency = make_agency(container)
    ids = make_chain(container, agency.id, 2)
    for change in (
        decisions.update().where(decisions.c.id == ids[0]).values(outcome="queued"),
        sa.delete(decisions).where(decisions.c.id == ids[0]),
    ):
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            container.engine.begin() as conn,
        ):
            conn.execute(change)
    with container.engine.connect() as conn:
        assert verify_chain(conn, agency_id=agency.id) is None


def test_a_changed_record_is_reported_as_the_first_broken_link(container: Container) -> None:
    agency = make_agency(container)
    ids = make_chain(container, agency.id, 5)
    _tamper(
        container,
        decisions.update().where(decisions.c.id == ids[2]).values(explanation={"winner": 99}),
    )
    with container.engine.connect() as conn:
        broken = verify_chain(conn, agency_id=agency.id)
    assert broken is not None
    assert (broken.seq, broken.problem) == (3, "content was changed after it was written")


def test_a_removed_record_is_reported(container: Container) -> None:
    agency = make_agency(container)
    ids = make_chain(container, agency.id, 4)
    _tamper(container, sa.delete(decisions).where(decisions.c.id == ids[1]))
    with container.engine.connect() as conn:
        broken = verify_chain(conn, agency_id=agency.id)
    assert broken is not None
    assert broken.seq == 3
    assert "missing" in broken.problem


def test_chains_of_two_agencies_are_independent(container: Container) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    make_chain(container, a.id, 3)
    make_chain(container, b.id, 2)
    with container.engine.connect() as conn:
        assert verify_chain(conn, agency_id=a.id) is None
        assert verify_chain(conn, agency_id=b.id) is None
