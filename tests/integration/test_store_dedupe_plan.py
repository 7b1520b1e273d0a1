"""A new PostgreSQL database dedupes through the contact indexes as soon as the worker has
looked, not after autovacuum's first ANALYZE (see ``store/statistics.py``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.store import dedupe
from leadrouter.store.migrate import upgrade
from leadrouter.store.tables import clients
from leadrouter.worker import Worker
from tests.support.factories import insert_lead, make_agency

pytestmark = pytest.mark.postgres

LEADS = 2000  # one agency's first leads: enough that walking them all is the wrong plan


@pytest.fixture
def fresh(pg_server: str, clock: FixedClock) -> Iterator[Container]:
    """A container on a database of its own, just migrated: no table ever analyzed."""
    from tests.support.postgres import create_database

    name = f"leadrouter_fresh_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    c = bootstrap(Settings(database_url=create_database(pg_server, name)), clock=clock)
    upgrade(c.settings.database_url)
    yield c
    c.engine.dispose()


def _indexes_used(c: Container, agency_id: int) -> set[str]:
    """The indexes PostgreSQL's plan of the dedupe lookup (phone and email, repeats of the
    line and of any line, clients) reads, or ``Seq Scan on ...`` for a table it reads whole."""
    query = dedupe._query(True, True, True, True).compile(dialect=c.engine.dialect)
    params = query.construct_params(
        {
            "agency_id": agency_id,
            "phone": "+12127360999",
            "email": "lead999@consumer.example",
            "since": c.clock.now() - timedelta(days=30),
            "insurance_type": "personal_auto",
        }
    )
    with c.engine.connect() as conn:
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {query}", params))
    return set(re.findall(r"using (\w+) on", plan)) | set(re.findall(r"Seq Scan on \w+", plan))


def test_a_new_database_dedupes_through_the_contact_indexes_once_the_worker_has_looked(
    fresh: Container,
) -> None:
    c = fresh
    agency = make_agency(c)
    now = c.clock.now()
    with c.engine.begin() as conn:
        for n in range(LEADS):
            insert_lead(
                conn,
                agency_id=agency.id,
                now=now - timedelta(minutes=n),
                phone=f"+1212736{n:04d}",
                email=f"lead{n}@consumer.example",
            )
        conn.execute(
            sa.insert(clients),
            [
                {
                    "agency_id": agency.id,
                    "name": f"Client {n}",
                    "phone": f"+1212737{n:04d}",
                    "email": f"client{n}@consumer.example",
                    "created_at": now,
                }
                for n in range(LEADS // 4)
            ],
        )

    Worker(c, channels={}).tick()

    assert _indexes_used(c, agency.id) == {
        "ix_leads_agency_phone_created",
        "ix_leads_agency_email_created",
        "ix_clients_agency_phone",
        "ix_clients_agency_email",
    }
