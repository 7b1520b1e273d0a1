"""A read-only unit of work on PostgreSQL: writes are refused, so it ends with COMMIT and the
connection keeps the statements psycopg prepared (a ROLLBACK would make it forget them)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.store.tables import agencies
from tests.support.factories import make_agency

PREPARED = sa.text("SELECT count(*) FROM pg_prepared_statements")


def test_a_read_only_unit_of_work_refuses_writes(pg_container: Container) -> None:
    agency = make_agency(pg_container)
    refused = pytest.raises(sa.exc.InternalError, match="read-only transaction")
    with refused, pg_container.uow(readonly=True) as uow:
        uow.conn.execute(sa.update(agencies).values(name="changed"))
    with pg_container.engine.connect() as conn:
        name = conn.execute(sa.select(agencies.c.name).where(agencies.c.id == agency.id))
        assert name.scalar_one() != "changed"


def test_read_only_units_of_work_keep_their_prepared_statements(pg_container: Container) -> None:
    make_agency(pg_container)
    read = sa.select(agencies.c.name).where(agencies.c.id == sa.bindparam("id"))
    counts = []
    for _ in range(8):  # psycopg prepares a statement on its fifth run on a connection
        with pg_container.uow(readonly=True) as uow:
            uow.conn.execute(read, {"id": 1}).all()
            counts.append(uow.conn.execute(PREPARED).scalar_one())
    assert counts[-1] >= 1  # prepared, and still there in the next units of work
    assert counts[-3:] == sorted(counts[-3:])
    # A writer afterwards is a writer again: the read-only setting went with the unit of work.
    with pg_container.uow() as uow:
        uow.conn.execute(sa.update(agencies).values(name="renamed"))
        uow.commit()
